package dev.eventrouter.bus;

import dev.eventrouter.pattern.EventPattern;

/** A rule as the match stage sees it: immutable; a change to the rule or its targets makes a new binding. */
final class RuleBinding {
    final Rule rule;
    final String arn;
    final EventPattern pattern;
    final RuleMetrics metrics;
    final TargetBinding[] targets;

    RuleBinding(final Rule rule, final String arn, final EventPattern pattern, final RuleMetrics metrics,
                final TargetBinding[] targets) {
        this.rule = rule;
        this.arn = arn;
        this.pattern = pattern;
        this.metrics = metrics;
        this.targets = targets;
    }

    RuleBinding with(final Rule newRule, final EventPattern newPattern) {
        return new RuleBinding(newRule, arn, newPattern, metrics, targets);
    }

    RuleBinding with(final TargetBinding[] newTargets) {
        return new RuleBinding(rule, arn, pattern, metrics, newTargets);
    }
}
