package dev.eventrouter.bus;

import dev.eventrouter.target.Delivery;
import dev.eventrouter.target.TargetInput;

/**
 * Per-thread scratch for one delivery attempt: the reusable {@link Delivery} flyweight, the context reserved
 * variables read, and the outcome of a failed attempt. Each delivering thread (match, retry, each worker) owns one.
 */
final class Attempt implements TargetInput.ShapeContext {
    final Delivery delivery = new Delivery();
    String ruleName;
    String ruleArn;
    long ingestionTimeMillis;
    String errorCode;
    String errorMessage;
    boolean retryable;

    void fail(final String code, final String message, final boolean canRetry) {
        errorCode = code;
        errorMessage = message;
        retryable = canRetry;
    }

    @Override
    public String ruleName() {
        return ruleName;
    }

    @Override
    public String ruleArn() {
        return ruleArn;
    }

    @Override
    public long ingestionTimeMillis() {
        return ingestionTimeMillis;
    }
}
