/**
 * Global endpoints (EventBridge's failover and replication between two Regions, docs/global-endpoints.md): an
 * endpoint's spec and validation ({@link dev.eventrouter.persist.global.EndpointSpec}), the health check that decides
 * where its events go ({@link dev.eventrouter.persist.global.HealthCheck}), and the runtime that routes PutEvents with
 * an {@code EndpointId}, forwards them to the other Region's router, and replicates accepted events through a durable
 * outbox ({@link dev.eventrouter.persist.global.GlobalEndpoints}).
 */
package dev.eventrouter.persist.global;
