package dev.eventrouter.bus;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.eventrouter.event.EventLimits;
import dev.eventrouter.event.MalformedEventException;
import dev.eventrouter.match.EventMatcher;
import dev.eventrouter.match.MatchAutomaton;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import org.agrona.concurrent.EpochClock;

/**
 * The ingest half of PutEvents: validates an entry exactly as EventBridge does and writes the event envelope
 * that rules match and targets receive:
 *
 * <pre>{@code
 * {"version":"0","id":"...","detail-type":"...","source":"...","account":"123456789012",
 *  "time":"2026-11-28T10:00:00Z","region":"us-east-1","resources":[...],"detail":{...}}
 * }</pre>
 * Single-threaded: the encoded bytes stay valid until the next {@link #encode} call. It allocates per entry (the
 * PutEvents API hands it strings); embedders that already hold envelope bytes will publish them raw.
 */
public final class EnvelopeEncoder {
    private static final int MAX_DETAIL_TYPE_CHARS = 128;
    /** Sources AWS reserves for its services' events: PutEvents refuses them to anyone else. */
    private static final String AWS_SOURCE_PREFIX = "aws.";
    /** AWS's message for an entry with such a source, as its PutEvents answer gives it. */
    private static final String NOT_AUTHORIZED_FOR_SOURCE = "Not authorized for the source.";
    private static final int TIME_BYTES = 14;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
        .withZone(ZoneOffset.UTC);

    private final IngestLimits limits;
    private final EpochClock clock;
    private final EventIdSource ids;
    private final EventMatcher detailChecker;
    private byte[] buffer = new byte[1024];
    /** The last second formatted, and its text: entries of one second share it (formatting is most of encode). */
    private long formattedSecond = Long.MIN_VALUE;
    private String formattedTime;
    private int length;
    private String eventId;
    /** The entry last validated and its Detail as UTF-8: {@link #encode} of the same entry reuses the bytes. */
    private PutEventsEntry validated;
    private byte[] detailBytes;
    /** Spans of the validated detail's large containers (relative to the detail), then of the envelope's. */
    private final int[] detailSpans = new int[2 * HandoffDescriptor.MAX_SPANS];
    private int detailSpanCount;
    private final int[] spans = new int[2 * HandoffDescriptor.MAX_SPANS];
    private int spanCount;

    /**
     * @param limits entry size and detail depth limits.
     * @param clock  the time stamped on entries without one.
     * @param ids    where event ids come from.
     */
    public EnvelopeEncoder(final IngestLimits limits, final EpochClock clock, final EventIdSource ids) {
        this.limits = limits;
        this.clock = clock;
        this.ids = ids;
        detailChecker = new EventMatcher(MatchAutomaton.EMPTY,
            new EventLimits(Math.max(2, limits.maxEntryBytes()), limits.maxDetailDepth()));
        detailChecker.recordSpans(true);
    }

    /**
     * Validates an entry.
     *
     * @return {@code null} when the entry is acceptable, otherwise why not.
     */
    public EntryError validate(final PutEventsEntry entry) {
        if (entry.source() == null || entry.source().isEmpty()) {
            return new EntryError(EntryError.INVALID_ARGUMENT, required("Source"));
        }
        if (entry.source().startsWith(AWS_SOURCE_PREFIX)) {
            return new EntryError(EntryError.NOT_AUTHORIZED_FOR_SOURCE, NOT_AUTHORIZED_FOR_SOURCE);
        }
        if (entry.detailType() == null || entry.detailType().isEmpty()) {
            return new EntryError(EntryError.INVALID_ARGUMENT, required("DetailType"));
        }
        if (entry.detailType().length() > MAX_DETAIL_TYPE_CHARS) {
            return new EntryError(EntryError.INVALID_ARGUMENT, "DetailType must be at most " + MAX_DETAIL_TYPE_CHARS
                + " characters, got " + entry.detailType().length());
        }
        if (entry.detail() == null) {
            return new EntryError(EntryError.INVALID_ARGUMENT, required("Detail"));
        }
        final String trace = entry.traceHeader();
        if (trace != null && (trace.isEmpty() || trace.length() > MAX_TRACE_HEADER_CHARS)) {
            return new EntryError(EntryError.INVALID_ARGUMENT, "Parameter TraceHeader is not valid. Reason: must be 1-"
                + MAX_TRACE_HEADER_CHARS + " characters, got " + trace.length());
        }
        if (trace != null && !printableAscii(trace)) {
            return new EntryError(EntryError.INVALID_ARGUMENT, "Parameter TraceHeader is not valid. Reason: must be "
                + "printable ASCII (it travels as an HTTP header)");
        }
        validated = null;
        final byte[] detail = entry.detail().getBytes(StandardCharsets.UTF_8);
        final long size = entrySize(entry, detail.length);
        if (size >= limits.maxEntryBytes()) {
            return new EntryError(EntryError.INVALID_ARGUMENT,
                "entry size " + size + " bytes must be less than the limit of " + limits.maxEntryBytes() + " bytes");
        }
        try {
            detailChecker.match(detail, NO_RULES);
        } catch (MalformedEventException e) {
            return new EntryError(EntryError.MALFORMED_DETAIL, MALFORMED + ("event must be a JSON object".equals(
                e.reason()) ? "not a JSON object" : "not valid JSON: " + e.reason() + " at byte offset " + e.offset()));
        }
        final int outOfRange = integerOutsideInt64(detail, 0, detail.length);
        if (outOfRange >= 0) {
            return new EntryError(EntryError.MALFORMED_DETAIL, MALFORMED + "an integer outside the 64-bit range at "
                + "character offset " + new String(detail, 0, outOfRange, StandardCharsets.UTF_8).length());
        }
        validated = entry;
        detailBytes = detail;
        detailSpanCount = detailChecker.lastSpanCount();
        System.arraycopy(detailChecker.lastSpans(), 0, detailSpans, 0, 2 * detailSpanCount);
        return null;
    }

    private static final dev.eventrouter.match.MatchHandler NO_RULES = rule -> { };

    /** PutEvents' TraceHeader: "Length Constraints: Minimum length of 1. Maximum length of 500." (API reference). */
    static final int MAX_TRACE_HEADER_CHARS = 500;

    private static boolean printableAscii(final String text) {
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /**
     * AWS's answer to a Detail that is not a JSON object ("Detail is malformed.", recorded against AWS in LocalStack's
     * {@code tests/aws/services/events/test_events.snapshot.json}, {@code test_put_event_malformed_detail}), followed
     * by what and where.
     */
    static final String MALFORMED = "Detail is malformed. Reason: ";

    /**
     * AWS's answer to a missing or empty Source, DetailType or Detail, as recorded against AWS in LocalStack's
     * {@code tests/aws/services/events/test_events.snapshot.json} ({@code test_put_events_without_source},
     * {@code test_put_event_without_detail}, {@code test_put_event_without_detail_type}).
     */
    static String required(final String parameter) {
        return "Parameter " + parameter + " is not valid. Reason: " + parameter + " is a required argument.";
    }

    /**
     * EventBridge requires JSON integers (numbers without fraction or exponent) to fit in a signed 64-bit integer.
     * Runs on valid JSON only.
     *
     * @return the byte offset (from {@code offset}) of the first integer outside the range, or -1.
     */
    static int integerOutsideInt64(final byte[] json, final int offset, final int length) {
        final int end = offset + length;
        int i = offset;
        while (i < end) {
            final byte c = json[i];
            if (c == '"') {
                i++;
                while (json[i] != '"') {   // valid JSON: the string ends
                    i += json[i] == '\\' ? 2 : 1;
                }
                i++;
            } else if (c == '-' || c >= '0' && c <= '9') {
                final int start = i;
                int digits = c == '-' ? 0 : 1;
                boolean integer = true;
                i++;
                while (i < end) {
                    final byte d = json[i];
                    if (d >= '0' && d <= '9') {
                        digits++;
                    } else if (d == '.' || d == 'e' || d == 'E' || d == '+' || d == '-') {
                        integer = false;
                    } else {
                        break;
                    }
                    i++;
                }
                if (integer && digits >= 19 && !fitsInt64(new String(json, start, i - start,
                    StandardCharsets.US_ASCII))) {
                    return start - offset;
                }
            } else {
                i++;
            }
        }
        return -1;
    }

    /** @see #integerOutsideInt64(byte[], int, int) @return the offset as a character offset into the string. */
    static int integerOutsideInt64(final String json) {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        final int at = integerOutsideInt64(bytes, 0, bytes.length);
        return at < 0 ? -1 : new String(bytes, 0, at, StandardCharsets.UTF_8).length();
    }

    private static boolean fitsInt64(final String integer) {
        try {
            Long.parseLong(integer);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private String timeText(final long second) {
        if (second != formattedSecond) {
            formattedTime = TIME.format(Instant.ofEpochSecond(second));
            formattedSecond = second;
        }
        return formattedTime;
    }

    /**
     * @return at least {@link #entrySize}, without reading the strings: three UTF-8 bytes at most per UTF-16 unit (a
     *         surrogate pair is four bytes for two units). Lets a caller skip the exact count when even this is small.
     */
    static long entrySizeBound(final PutEventsEntry entry) {
        long units = length(entry.source()) + length(entry.detailType()) + length(entry.detail());
        for (String resource : entry.resources()) {
            units += resource.length();
        }
        return (entry.time() != null ? TIME_BYTES : 0) + 3 * units;
    }

    private static int length(final String text) {
        return text == null ? 0 : text.length();
    }

    /** @return the entry's size as EventBridge counts it against the limit. */
    public static long entrySize(final PutEventsEntry entry) {
        return entrySize(entry, utf8Length(entry.detail()));
    }

    private static long entrySize(final PutEventsEntry entry, final long detailBytes) {
        long size = entry.time() != null ? TIME_BYTES : 0;
        size += utf8Length(entry.source()) + utf8Length(entry.detailType()) + detailBytes;
        for (String resource : entry.resources()) {
            size += utf8Length(resource);
        }
        return size;
    }

    /**
     * Writes the envelope of a {@linkplain #validate valid} entry.
     *
     * @param entry   the entry.
     * @param account the account of the bus.
     * @param region  the region of the bus.
     * @return the envelope's length in {@link #bytes()}.
     */
    public int encode(final PutEventsEntry entry, final String account, final String region) {
        length = 0;
        eventId = ids.next();
        final long second = entry.time() != null ? entry.time().getEpochSecond()
            : Math.floorDiv(clock.time(), 1000L);
        raw(VERSION_ID);
        string(eventId);
        raw(DETAIL_TYPE);
        string(entry.detailType());
        raw(SOURCE);
        string(entry.source());
        raw(ACCOUNT);
        string(account);
        raw(TIME_FIELD);
        string(timeText(second));
        raw(REGION);
        string(region);
        raw(RESOURCES);
        for (int i = 0; i < entry.resources().size(); i++) {
            if (i > 0) {
                put((byte) ',');
            }
            string(entry.resources().get(i));
        }
        raw(DETAIL);
        final byte[] detail = entry == validated ? detailBytes : entry.detail().getBytes(StandardCharsets.UTF_8);
        int from = 0;
        int to = detail.length;
        while (from < to && isJsonSpace(detail[from])) {
            from++;
        }
        while (to > from && isJsonSpace(detail[to - 1])) {
            to--;
        }
        ensure(to - from);
        System.arraycopy(detail, from, buffer, length, to - from);
        spanCount = entry == validated ? detailSpanCount : 0;
        for (int i = 0; i < 2 * spanCount; i++) {
            spans[i] = detailSpans[i] - from + length;
        }
        length += to - from;
        put((byte) '}');
        return length;
    }

    /**
     * @return the spans of the large containers of the last encoded envelope's detail, relative to the envelope, when
     * this encoder validated that detail (see {@link EventMatcher#recordSpans}); {@link #spanCount()} pairs.
     */
    int[] spans() {
        return spans;
    }

    /** @return the number of pairs in {@link #spans()}: 0 when the last detail was not validated by this encoder. */
    int spanCount() {
        return spanCount;
    }

    /**
     * @return whether the Detail last {@linkplain #validate validated} holds an object or an array as an element of
     * an array (see {@link EventMatcher#lastEventNestsInArray()}); the envelope around it adds none.
     */
    public boolean detailNestsInArray() {
        return detailChecker.lastEventNestsInArray();
    }

    /** @return the id given to the last encoded event. */
    public String eventId() {
        return eventId;
    }

    /** @return the buffer holding the last envelope, from index 0. */
    public byte[] bytes() {
        return buffer;
    }

    /** @return the length of the last envelope. */
    public int length() {
        return length;
    }

    private static final byte[] VERSION_ID = ascii("{\"version\":\"0\",\"id\":");
    private static final byte[] DETAIL_TYPE = ascii(",\"detail-type\":");
    private static final byte[] SOURCE = ascii(",\"source\":");
    private static final byte[] ACCOUNT = ascii(",\"account\":");
    private static final byte[] TIME_FIELD = ascii(",\"time\":");
    private static final byte[] REGION = ascii(",\"region\":");
    private static final byte[] RESOURCES = ascii(",\"resources\":[");
    private static final byte[] DETAIL = ascii("],\"detail\":");

    private static byte[] ascii(final String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** @return whether {@code b} is JSON's whitespace (the only whitespace valid JSON can have around a value). */
    private static boolean isJsonSpace(final byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private void raw(final byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, length, bytes.length);
        length += bytes.length;
    }

    /**
     * Writes a JSON string as UTF-8: printable ASCII without quotes or backslashes as is (ids, names, ARNs), anything
     * else escaped by Jackson (quotes, backslashes, control characters).
     */
    private void string(final String text) {
        final int n = text.length();
        ensure(n + 2);
        final int start = length;
        buffer[length++] = '"';
        for (int i = 0; i < n; i++) {
            final char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
                length = start + 1;
                final byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(text);
                ensure(escaped.length + 1);
                System.arraycopy(escaped, 0, buffer, length, escaped.length);
                length += escaped.length;
                break;
            }
            buffer[length++] = (byte) c;
        }
        put((byte) '"');
    }

    private void put(final byte b) {
        ensure(1);
        buffer[length++] = b;
    }

    private void ensure(final int more) {
        if (length + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
        }
    }

    private static long utf8Length(final String text) {
        if (text == null) {
            return 0;
        }
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
