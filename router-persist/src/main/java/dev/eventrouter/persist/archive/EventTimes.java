package dev.eventrouter.persist.archive;

import java.nio.charset.StandardCharsets;

/**
 * Finds an event's own {@code time}: the top-level {@code "time"} member of its envelope, an ISO-8601 timestamp.
 * EventBridge's envelopes put it before the Detail, so the scan stops early; members before it are skipped without
 * being parsed. Allocation-free for the form EventBridge writes ({@code 2026-12-03T06:00:00Z}); other ISO-8601
 * forms (fractions, offsets) go through {@code java.time}.
 */
public final class EventTimes {
    /** No usable time: the member is missing, not a string, or not an ISO-8601 instant. */
    public static final long NONE = Long.MIN_VALUE;

    private static final byte[] TIME = "time".getBytes(StandardCharsets.US_ASCII);
    private static final java.lang.invoke.VarHandle WORDS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
        long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final long TS = 0x7474_7474_7474_7474L;
    private static final int[] DAYS_IN_MONTH = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    private EventTimes() {
    }

    /** @return the event's time in epoch milliseconds, or {@link #NONE}. Never throws, whatever the bytes. */
    public static long find(final byte[] json, final int offset, final int length) {
        final int end = offset + length;
        if (!mentionsTime(json, offset, end)) {
            return NONE;   // most events without a time (raw ones) are rejected at a fraction of a full scan
        }
        int i = skipSpace(json, offset, end);
        if (i >= end || json[i] != '{') {
            return NONE;
        }
        i++;
        while (true) {
            i = skipSpace(json, i, end);
            if (i >= end || json[i] != '"') {
                return NONE;
            }
            final int keyStart = i + 1;
            final int keyEnd = stringEnd(json, keyStart, end);
            if (keyEnd < 0) {
                return NONE;
            }
            i = skipSpace(json, keyEnd + 1, end);
            if (i >= end || json[i] != ':') {
                return NONE;
            }
            i = skipSpace(json, i + 1, end);
            if (isTime(json, keyStart, keyEnd)) {
                if (i >= end || json[i] != '"') {
                    return NONE;
                }
                final int valueEnd = stringEnd(json, i + 1, end);
                return valueEnd < 0 ? NONE : parse(json, i + 1, valueEnd);
            }
            i = skipValue(json, i, end);
            if (i < 0) {
                return NONE;
            }
            i = skipSpace(json, i, end);
            if (i >= end || json[i] != ',') {
                return NONE;
            }
            i++;
        }
    }

    /**
     * Searches for {@code "time"} anywhere in the bytes, eight bytes at a time (SWAR: the {@code t}s of a word at
     * once, then each candidate's neighbours).
     *
     * @return whether the key may be there (a top-level member needs the structural scan to confirm).
     */
    private static boolean mentionsTime(final byte[] json, final int offset, final int end) {
        int p = offset + 1;   // the t, after its opening quote
        while (p + Long.BYTES <= end) {
            final long word = (long) WORDS.get(json, p) ^ TS;
            long found = (word - ONES) & ~word & HIGH_BITS;   // bits above a true match may be false positives
            while (found != 0) {
                if (isQuotedTime(json, p + (Long.numberOfTrailingZeros(found) >>> 3), end)) {
                    return true;
                }
                found &= found - 1;
            }
            p += Long.BYTES;
        }
        for (; p < end; p++) {
            if (isQuotedTime(json, p, end)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether {@code "time"} is at {@code t - 1}. */
    private static boolean isQuotedTime(final byte[] json, final int t, final int end) {
        return t + 4 < end && json[t] == 't' && json[t - 1] == '"' && json[t + 1] == 'i' && json[t + 2] == 'm'
            && json[t + 3] == 'e' && json[t + 4] == '"';
    }

    private static boolean isTime(final byte[] json, final int start, final int end) {
        if (end - start != TIME.length) {
            return false;
        }
        for (int k = 0; k < TIME.length; k++) {
            if (json[start + k] != TIME[k]) {
                return false;
            }
        }
        return true;
    }

    private static int skipSpace(final byte[] json, int i, final int end) {
        while (i < end && (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' || json[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** @return the index of the closing quote of a string whose content starts at {@code i}, or -1. */
    private static int stringEnd(final byte[] json, int i, final int end) {
        while (i < end) {
            final byte b = json[i];
            if (b == '"') {
                return i;
            }
            i += b == '\\' ? 2 : 1;
        }
        return -1;
    }

    /** @return the index just after the value starting at {@code i}, or -1. */
    private static int skipValue(final byte[] json, int i, final int end) {
        if (i >= end) {
            return -1;
        }
        final byte first = json[i];
        if (first == '"') {
            final int close = stringEnd(json, i + 1, end);
            return close < 0 ? -1 : close + 1;
        }
        if (first == '{' || first == '[') {
            int depth = 0;
            while (i < end) {
                final byte b = json[i];
                if (b == '"') {
                    final int close = stringEnd(json, i + 1, end);
                    if (close < 0) {
                        return -1;
                    }
                    i = close + 1;
                    continue;
                }
                if (b == '{' || b == '[') {
                    depth++;
                } else if ((b == '}' || b == ']') && --depth == 0) {
                    return i + 1;
                }
                i++;
            }
            return -1;
        }
        while (i < end && json[i] != ',' && json[i] != '}' && json[i] != ']' && json[i] != ' ' && json[i] != '\n'
            && json[i] != '\r' && json[i] != '\t') {
            i++;
        }
        return i;
    }

    /** @return the instant of an ISO-8601 text, or {@link #NONE}. */
    static long parse(final byte[] text, final int start, final int end) {
        if (end - start == 20 && text[start + 4] == '-' && text[start + 7] == '-' && text[start + 10] == 'T'
            && text[start + 13] == ':' && text[start + 16] == ':' && text[start + 19] == 'Z') {
            final int year = digits(text, start, 4);
            final int month = digits(text, start + 5, 2);
            final int day = digits(text, start + 8, 2);
            final int hour = digits(text, start + 11, 2);
            final int minute = digits(text, start + 14, 2);
            final int second = digits(text, start + 17, 2);
            if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour < 0 || hour > 23
                || minute < 0 || minute > 59 || second < 0 || second > 59) {
                return NONE;
            }
            return (epochDay(year, month, day) * 86_400L + hour * 3_600L + minute * 60L + second) * 1_000L;
        }
        try {
            return java.time.OffsetDateTime.parse(new String(text, start, end - start, StandardCharsets.UTF_8))
                .toInstant().toEpochMilli();
        } catch (RuntimeException e) {
            return NONE;
        }
    }

    private static int digits(final byte[] text, final int start, final int count) {
        int value = 0;
        for (int k = 0; k < count; k++) {
            final int digit = text[start + k] - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }

    private static int daysIn(final int year, final int month) {
        final boolean leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        return month == 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (year 0-9999). */
    private static long epochDay(final int year, final int month, final int day) {
        final int y = month <= 2 ? year - 1 : year;
        final int era = (y >= 0 ? y : y - 399) / 400;
        final int yearOfEra = y - era * 400;
        final int dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        final int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097L + dayOfEra - 719_468L;
    }
}
