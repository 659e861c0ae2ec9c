package dev.eventrouter.target;

/**
 * An event a target could not take, as its dead-letter target receives it: the original event and EventBridge's
 * dead-letter attributes. Immutable.
 *
 * @param event                     the original event (envelope JSON).
 * @param ruleArn                   {@code RULE_ARN}.
 * @param targetArn                 {@code TARGET_ARN} (or the target's id for in-process targets).
 * @param errorCode                 {@code ERROR_CODE}, e.g. {@code THROTTLING}, {@code TIMEOUT}, {@code NO_RESOURCE}.
 * @param errorMessage              {@code ERROR_MESSAGE}.
 * @param retryAttempts             {@code RETRY_ATTEMPTS}: retries made before giving up.
 * @param exhaustedRetryCondition   {@code EXHAUSTED_RETRY_CONDITION}: {@code MaximumRetryAttempts} or
 *                                  {@code MaximumEventAgeInSeconds}; {@code null} for a non-retryable failure.
 */
public record DeadLetter(byte[] event, String ruleArn, String targetArn, String errorCode, String errorMessage,
                         int retryAttempts, String exhaustedRetryCondition) {
}
