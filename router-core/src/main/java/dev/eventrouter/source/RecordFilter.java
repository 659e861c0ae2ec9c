package dev.eventrouter.source;

import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import dev.eventrouter.match.RuleCompiler;
import dev.eventrouter.pattern.EventPattern;
import dev.eventrouter.pattern.FieldCondition;
import dev.eventrouter.pattern.InvalidPatternException;
import dev.eventrouter.pattern.PatternLimits;
import dev.eventrouter.pattern.PatternParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * FilterCriteria: up to five event patterns compiled into one automaton, ORed, matched against the record as Lambda
 * and Pipes filter it. AWS filters a queue message on its {@code body} key and a stream record on its {@code data}
 * key only ("Amazon SQS event source mappings only support filtering on the body key", "Kinesis event source
 * mappings only support filtering on the data key": Lambda developer guide, with-sqs-filtering and
 * with-kinesis-filtering), with the payload decoded as JSON when it is valid JSON. So a pattern reads
 * {@code {"body": {"amount": [...]}}} or {@code {"data": {...}}}, and the record it matches is
 * {@code {"body": PAYLOAD}}: the payload's own JSON when it is JSON; for a queue, otherwise, the payload as a JSON
 * string (a plain-string body matches a string pattern such as {@code {"body": ["hello"]}}, never an object pattern).
 * A stream's data must be JSON and so must its pattern: a pattern giving {@code data} values to match as a string is
 * refused at creation, and non-JSON data passes no filter (Pipes user guide, event filtering, format mismatches).
 *
 * <p>The record is written into a buffer the filter keeps (one copy of the payload, no allocation once the buffer has
 * grown); the matcher runs on it. One thread at a time.
 */
public final class RecordFilter {
    /** Which key of the AWS record carries the payload. */
    public enum Key {
        /** A queue message's {@code body}: JSON, or otherwise a string. */
        BODY("body", true),
        /** A stream record's {@code data} (Kinesis; decoded from base64 by AWS before filtering): JSON only. */
        DATA("data", false),
        /**
         * A Kafka record's {@code value}, decoded from base64: JSON, or otherwise a string ("Amazon MSK and
         * self-managed Apache Kafka event source mappings only support filtering on the value key", and a plain-string
         * message matches a string pattern: Lambda developer guide, kafka-filtering).
         */
        VALUE("value", true);

        private final String name;
        private final boolean stringPayloads;
        private final byte[] prefix;

        Key(final String name, final boolean stringPayloads) {
            this.name = name;
            this.stringPayloads = stringPayloads;
            prefix = ("{\"" + name + "\":").getBytes(StandardCharsets.US_ASCII);
        }

        /** @return the key's name in the record. */
        public String keyName() {
            return name;
        }
    }

    private final EventMatcher matcher;
    private final Key key;
    private byte[] record = new byte[256];

    private RecordFilter(final EventMatcher matcher, final Key key) {
        this.matcher = matcher;
        this.key = key;
    }

    /**
     * @return the filter, or {@code null} when there are no patterns (everything passes).
     * @throws InvalidPatternException naming {@code FilterCriteria.Filters[i]} and where in it.
     */
    public static RecordFilter of(final List<String> patterns, final Key key) {
        if (patterns.isEmpty()) {
            return null;
        }
        final PatternParser parser = new PatternParser(PatternLimits.DEFAULT);
        final List<RuleCompiler.Rule> rules = new ArrayList<>();
        for (int i = 0; i < patterns.size(); i++) {
            final String where = "FilterCriteria.Filters[" + i + "]";
            final EventPattern pattern;
            try {
                pattern = parser.parse(patterns.get(i));
            } catch (InvalidPatternException e) {
                throw e.inRule(where);
            }
            if (!key.stringPayloads) {
                refuseStringPatterns(pattern, key, where);
            }
            rules.add(new RuleCompiler.Rule("filter" + i, pattern));
        }
        final MatchAutomaton automaton = new RuleCompiler(PatternLimits.DEFAULT).compile(rules);
        return new RecordFilter(new EventMatcher(automaton), key);
    }

    /**
     * A stream's pattern must be JSON under {@code data}: a condition on {@code data} itself (values to match the data
     * as a string, in any {@code $or} branch) never matches.
     */
    private static void refuseStringPatterns(final EventPattern pattern, final Key key, final String where) {
        for (List<FieldCondition> conjunction : pattern.conjunctions()) {
            for (FieldCondition condition : conjunction) {
                if (condition.path().equals(key.name)) {
                    throw new IllegalArgumentException(where + ": $." + key.name + ": a stream record's " + key.name
                        + " is filtered as JSON, so the pattern must give an object for it, not values to match as a "
                        + "string");
                }
            }
        }
    }

    /** @return the key the payload is filtered under. */
    public Key key() {
        return key;
    }

    /** @return whether any pattern matches the record {@code {"KEY": data}}. */
    public boolean passes(final byte[] data) {
        return passes(data, 0, data.length);
    }

    /** @return whether any pattern matches the record {@code {"KEY": data[offset, offset + length)}}. */
    public boolean passes(final byte[] data, final int offset, final int length) {
        if (key.stringPayloads && !mayBeJson(data, offset, length)) {
            // a plain-text body (the common case for strings): straight to the string form, no failed parse first
            final int size = asString(data, offset, length);
            try {
                return matcher.match(record, 0, size, rule -> { }) > 0;
            } catch (MalformedEventException e) {
                return false;   // not UTF-8 text
            }
        }
        int size = key.prefix.length + length + 1;
        ensure(size);
        System.arraycopy(key.prefix, 0, record, 0, key.prefix.length);
        System.arraycopy(data, offset, record, key.prefix.length, length);
        record[size - 1] = '}';
        try {
            return matcher.match(record, 0, size, rule -> { }) > 0;
        } catch (MalformedEventException e) {
            if (!key.stringPayloads) {
                return false;
            }
        }
        size = asString(data, offset, length);
        try {
            return matcher.match(record, 0, size, rule -> { }) > 0;
        } catch (MalformedEventException e) {
            return false;   // not UTF-8 text either
        }
    }

    /** @return whether the payload's first non-blank byte can start a JSON value (else it is text for sure). */
    private static boolean mayBeJson(final byte[] data, final int offset, final int length) {
        for (int i = offset; i < offset + length; i++) {
            final byte b = data[i];
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return b == '{' || b == '[' || b == '"' || b == '-' || b >= '0' && b <= '9' || b == 't' || b == 'f'
                    || b == 'n';
            }
        }
        return false;   // empty or blank: not JSON
    }

    /** Writes {@code {"KEY":"escaped text"}}. @return its length. */
    private int asString(final byte[] data, final int offset, final int length) {
        ensure(key.prefix.length + length * 6 + 3);
        System.arraycopy(key.prefix, 0, record, 0, key.prefix.length);
        int at = key.prefix.length;
        record[at++] = '"';
        for (int i = offset; i < offset + length; i++) {
            final byte b = data[i];
            if (b == '"' || b == '\\') {
                record[at++] = '\\';
                record[at++] = b;
            } else if (b >= 0 && b < 0x20) {
                record[at++] = '\\';
                record[at++] = 'u';
                record[at++] = '0';
                record[at++] = '0';
                record[at++] = (byte) Character.forDigit(b >> 4, 16);
                record[at++] = (byte) Character.forDigit(b & 0xF, 16);
            } else {
                record[at++] = b;
            }
        }
        record[at++] = '"';
        record[at++] = '}';
        return at;
    }

    private void ensure(final int size) {
        if (record.length < size) {
            record = new byte[Math.max(size, record.length * 2)];
        }
    }
}
