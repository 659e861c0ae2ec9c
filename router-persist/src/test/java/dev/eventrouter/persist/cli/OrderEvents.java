package dev.eventrouter.persist.cli;

/** The order envelopes the command-line tests publish. */
final class OrderEvents {
    private OrderEvents() {
    }

    /** @return an OrderPlaced-like envelope from source "shop" with this id and amount. */
    static String event(final int id, final int amount) {
        return "{\"version\":\"0\",\"id\":\"e" + id + "\",\"detail-type\":\"Order\",\"source\":\"shop\","
            + "\"account\":\"123456789012\",\"time\":\"2026-11-28T10:00:00Z\",\"region\":\"us-east-1\","
            + "\"resources\":[],\"detail\":{\"id\":" + id + ",\"amount\":" + amount + "}}";
    }
}
