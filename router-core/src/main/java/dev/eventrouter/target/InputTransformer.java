package dev.eventrouter.target;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * EventBridge's input transformer: variables read from the event by JSONPath ({@code InputPathsMap}) filled into
 * an {@code InputTemplate}. Immutable and thread-safe. Behaviour, as EventBridge answers (AWS-validated
 * snapshots recorded by LocalStack):
 * <ul>
 *   <li>a placeholder outside a JSON string is replaced by the value's JSON text: a string stays quoted, an
 *       object, array, number, boolean or null is inserted raw: {@code {"id": <id>}} gives {@code {"id": "i-1"}};
 *   <li>inside a JSON string ({@code "state <state>"}) it is replaced by the value's text without quotes, as the
 *       event spells it (escapes kept); a non-string value is inserted as its JSON text;
 *   <li>a path the event does not have yields an empty string: {@code ""} outside a string, nothing inside one;
 *   <li>reserved variables: {@code <aws.events.rule-name>}, {@code <aws.events.rule-arn>},
 *       {@code <aws.events.event.ingestion-time>} (ISO-8601, seconds, UTC), and, only outside strings,
 *       {@code <aws.events.event>} (the envelope without detail, with EventBridge's keys
 *       {@code id, account, detailType, time, source, region, resources, version}, {@code time} being the
 *       ingestion time) and {@code <aws.events.event.json>} (the whole event).
 * </ul>
 * Refused when compiled: a placeholder naming neither a variable nor a reserved name, a placeholder used as an
 * object key, an event placeholder inside a string, more than 100 variables, variable names outside
 * {@code [A-Za-z0-9_-]{1,256}}, a bad path, a template outside 1-8192 characters.
 */
public final class InputTransformer extends TargetInput {
    /** Most variables in {@code InputPathsMap}. */
    public static final int MAX_PATHS = 100;
    private static final int MAX_TEMPLATE_CHARS = 8192;
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_\\-]{1,256}");
    private static final String RULE_NAME = "aws.events.rule-name";
    private static final String RULE_ARN = "aws.events.rule-arn";
    private static final String INGESTION_TIME = "aws.events.event.ingestion-time";
    private static final String EVENT = "aws.events.event";
    private static final String EVENT_JSON = "aws.events.event.json";
    private static final String[][] EVENT_FIELDS = {
        {"id", "$.id"}, {"account", "$.account"}, {"detailType", "$.detail-type"}, {"time", null},
        {"source", "$.source"}, {"region", "$.region"}, {"resources", "$.resources"}, {"version", "$.version"}};
    private static final EventPath[] EVENT_PATHS = new EventPath[EVENT_FIELDS.length];

    static {
        for (int i = 0; i < EVENT_FIELDS.length; i++) {
            EVENT_PATHS[i] = EVENT_FIELDS[i][1] == null ? null : EventPath.compile(EVENT_FIELDS[i][1]);
        }
    }

    private final Map<String, String> pathsMap;
    private final String template;
    private final String[] texts;
    private final String[] names;
    private final EventPath[] paths;
    private final boolean[] inString;

    private InputTransformer(final Map<String, String> pathsMap, final String template, final List<String> texts,
                             final List<String> names, final List<EventPath> paths, final List<Boolean> inString) {
        this.pathsMap = pathsMap;
        this.template = template;
        this.texts = texts.toArray(new String[0]);
        this.names = names.toArray(new String[0]);
        this.paths = paths.toArray(new EventPath[0]);
        this.inString = new boolean[inString.size()];
        for (int i = 0; i < this.inString.length; i++) {
            this.inString[i] = inString.get(i);
        }
    }

    static InputTransformer compile(final Map<String, String> inputPathsMap, final String inputTemplate) {
        final Map<String, EventPath> variables = variables(inputPathsMap == null ? Map.of() : inputPathsMap);
        if (inputTemplate == null || inputTemplate.isEmpty() || inputTemplate.length() > MAX_TEMPLATE_CHARS) {
            throw new IllegalArgumentException("InputTemplate: must be 1-" + MAX_TEMPLATE_CHARS + " characters");
        }
        final TemplateParts parts = TemplateParts.scan(inputTemplate, true, InputTransformer::placeholderEnd);
        final List<EventPath> paths = new ArrayList<>();
        for (int p = 0; p < parts.names().size(); p++) {
            final String name = parts.names().get(p);
            final int close = parts.offsets().get(p) + name.length() + 1;
            check(inputTemplate, name, parts.quoted().get(p), close, variables);
            paths.add(variables.get(name));
        }
        return new InputTransformer(new LinkedHashMap<>(inputPathsMap == null ? Map.of() : inputPathsMap),
            inputTemplate, parts.texts(), parts.names(), paths, parts.quoted());
    }

    private static Map<String, EventPath> variables(final Map<String, String> inputPathsMap) {
        if (inputPathsMap.size() > MAX_PATHS) {
            throw new IllegalArgumentException("InputPathsMap: " + inputPathsMap.size() + " entries exceed "
                + MAX_PATHS);
        }
        final Map<String, EventPath> variables = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : inputPathsMap.entrySet()) {
            final String key = entry.getKey();
            if (key == null || !KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("InputPathsMap." + key
                    + ": variable names are 1-256 characters of letters, digits, '_' and '-'");
            }
            try {
                variables.put(key, EventPath.compile(entry.getValue()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("InputPathsMap." + key + ": " + e.getMessage(), e);
            }
        }
        return variables;
    }

    /** @return the index of the {@code >} closing a placeholder starting at {@code open}, or -1. */
    private static int placeholderEnd(final String template, final int open) {
        int i = open + 1;
        while (i < template.length()) {
            final char c = template.charAt(i);
            if (c == '>') {
                return i > open + 1 ? i : -1;
            }
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
                || c == '.')) {
                return -1;
            }
            i++;
        }
        return -1;
    }

    private static void check(final String template, final String name, final boolean quoted, final int close,
                              final Map<String, EventPath> variables) {
        final boolean event = EVENT.equals(name) || EVENT_JSON.equals(name);
        if (!variables.containsKey(name) && !event && !RULE_NAME.equals(name) && !RULE_ARN.equals(name)
            && !INGESTION_TIME.equals(name)) {
            throw new IllegalArgumentException("InputTemplate: contains invalid placeholder " + name);
        }
        if (event && quoted) {
            throw new IllegalArgumentException("InputTemplate: <" + name
                + "> may only be used as a JSON value, not inside a string");
        }
        if (!quoted) {
            int next = close + 1;
            while (next < template.length() && Character.isWhitespace(template.charAt(next))) {
                next++;
            }
            if (next < template.length() && template.charAt(next) == ':') {
                throw new IllegalArgumentException("InputTemplate: placeholder <" + name
                    + "> cannot be used as an object key");
            }
        }
    }

    /** @return the variables as given. */
    public Map<String, String> inputPathsMap() {
        return pathsMap;
    }

    /** @return the template as given. */
    public String inputTemplate() {
        return template;
    }

    @Override
    public byte[] shape(final byte[] event, final int offset, final int length, final ShapeContext context) {
        final StringBuilder out = new StringBuilder(template.length() + 64);
        for (int i = 0; i < names.length; i++) {
            out.append(texts[i]);
            TemplateParts.fill(out, value(i, event, offset, length, context), inString[i], "\"\"");
        }
        out.append(texts[names.length]);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @return the JSON text of placeholder {@code i}, or {@code null} when its path is absent. */
    private String value(final int i, final byte[] event, final int offset, final int length,
                         final ShapeContext context) {
        if (paths[i] != null) {
            return paths[i].evaluate(event, offset, length);
        }
        return switch (names[i]) {
            case RULE_NAME -> TemplateParts.quote(context.ruleName());
            case RULE_ARN -> TemplateParts.quote(context.ruleArn());
            case INGESTION_TIME -> TemplateParts.quotedTime(context.ingestionTimeMillis());
            case EVENT -> eventWithoutDetail(event, offset, length, context);
            default -> new String(event, offset, length, StandardCharsets.UTF_8);
        };
    }

    private static String eventWithoutDetail(final byte[] event, final int offset, final int length,
                                             final ShapeContext context) {
        final StringBuilder out = new StringBuilder(256).append('{');
        for (int f = 0; f < EVENT_FIELDS.length; f++) {
            final String value = EVENT_PATHS[f] == null ? TemplateParts.quotedTime(context.ingestionTimeMillis())
                : EVENT_PATHS[f].evaluate(event, offset, length);
            if (value != null) {
                if (out.length() > 1) {
                    out.append(',');
                }
                out.append('"').append(EVENT_FIELDS[f][0]).append("\":").append(value);
            }
        }
        return out.append('}').toString();
    }

    @Override
    public String toString() {
        return "InputTransformer{InputPathsMap=" + pathsMap + ", InputTemplate=" + template + "}";
    }
}
