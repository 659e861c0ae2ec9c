/** The Step Functions Map state as a fan-out target: items from the event, run in parallel, results in order. */
package dev.eventrouter.map;
