/**
 * API destinations and connections: rule targets that call HTTP endpoints with EventBridge's semantics (the user
 * guide's "API destinations" pages and the CreateConnection/CreateApiDestination API reference). See
 * docs/api-destinations.md.
 */
package dev.eventrouter.persist.apidest;
