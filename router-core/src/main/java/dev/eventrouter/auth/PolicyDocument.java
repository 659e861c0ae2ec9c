package dev.eventrouter.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An IAM policy document, validated and compiled when it is made: evaluating it against a {@link RequestContext}
 * walks precompiled statements and does not allocate. Immutable and thread-safe.
 *
 * <p>Supported: Version, Id, Statement (object or array) with Sid, Effect, Principal/NotPrincipal ({@code *} or
 * {@code {"AWS": ...}}; Service, Federated and CanonicalUser principals are accepted and never match a caller
 * here), Action/NotAction and Resource/NotResource with wildcards, and Condition with the operators of
 * {@link Operator}, the {@code ForAllValues:}/{@code ForAnyValue:} prefixes, the {@code IfExists} suffix and policy
 * variables ({@code ${aws:PrincipalAccount}}; Version 2012-10-17 only, as in IAM). See {@code docs/accounts.md}.
 */
public final class PolicyDocument {
    /** EventBridge's limit on a bus policy, in characters. */
    public static final int MAX_CHARS = 10_240;
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ACTION = Pattern.compile("\\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final Pattern IAM_ARN = Pattern.compile("arn:aws[a-z-]*:(iam|sts)::(\\d{12}):.+");
    private static final Set<String> STATEMENT_FIELDS = Set.of("Sid", "Effect", "Principal", "NotPrincipal",
        "Action", "NotAction", "Resource", "NotResource", "Condition");

    /** Whether the document is attached to a resource (a bus; needs Principal) or to a principal (forbids it). */
    public enum Kind { RESOURCE, IDENTITY }

    /** The action PutEvents requests carry; statements are matched against it once, when compiled. */
    public static final String PUT_EVENTS = "events:PutEvents";

    private final Kind kind;
    private final ObjectNode tree;
    private final String json;
    final Statement[] statements;
    /** The ARN of the bus the policy is attached to, or {@code null}; requests on it skip Resource matching. */
    private final String boundResource;
    /** Per statement: which of Action and Resource are known to match ({@link Statement#applies}'s bits). */
    private final int[] knownForBound;
    private final int[] knownForOther;
    /** The condition keys any statement tests, as bits {@code 1 << ordinal}. */
    private final int keysUsed;

    private PolicyDocument(final Kind kind, final ObjectNode tree, final String json, final Statement[] statements,
                           final String boundResource) {
        this.kind = kind;
        this.tree = tree;
        this.json = json;
        this.statements = statements;
        this.boundResource = boundResource;
        int keys = 0;
        for (Statement statement : statements) {
            for (Condition c : statement.conditions) {
                keys |= 1 << c.key.ordinal();
            }
        }
        keysUsed = keys;
        knownForBound = new int[statements.length];
        knownForOther = new int[statements.length];
        for (int i = 0; i < statements.length; i++) {
            final int action = Statement.ACTION_KNOWN
                | (statements[i].matchesAction(PUT_EVENTS) ? Statement.ACTION_MATCHES : 0);
            knownForOther[i] = action;
            knownForBound[i] = action | (boundResource == null ? 0 : Statement.RESOURCE_KNOWN
                | (statements[i].matchesResource(boundResource) ? Statement.RESOURCE_MATCHES : 0));
        }
    }

    /**
     * @return this policy compiled for the resource it is attached to: requests on {@code resourceArn} (and
     *         PutEvents requests) skip the Resource and Action wildcards, matched here once.
     */
    public PolicyDocument boundTo(final String resourceArn) {
        return new PolicyDocument(kind, tree, json, statements, resourceArn);
    }

    /**
     * Parses a resource-based policy (a bus policy).
     *
     * @throws InvalidPolicyException naming the statement and field, or {@code PolicyLengthExceededException}.
     */
    public static PolicyDocument parse(final String json) {
        return parse(json, Kind.RESOURCE);
    }

    /** Parses an identity-based policy (attached to a {@link Principal}; no Principal element). */
    public static PolicyDocument parseIdentity(final String json) {
        return parse(json, Kind.IDENTITY);
    }

    static PolicyDocument parse(final String json, final Kind kind) {
        if (json == null || json.isBlank()) {
            throw new InvalidPolicyException("Policy: is empty");
        }
        if (json.length() > MAX_CHARS) {
            throw new InvalidPolicyException("PolicyLengthExceededException", "Policy: is " + json.length()
                + " characters; the limit is " + MAX_CHARS);
        }
        final JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidPolicyException("Policy: not valid JSON at line " + e.getLocation().getLineNr()
                + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidPolicyException("Policy: must be a JSON object");
        }
        final ObjectNode tree = (ObjectNode) root;
        final Iterator<String> names = tree.fieldNames();
        while (names.hasNext()) {
            final String name = names.next();
            if (!name.equals("Version") && !name.equals("Id") && !name.equals("Statement")) {
                throw new InvalidPolicyException("Policy: unknown field '" + name
                    + "' (expected Version, Id, Statement)");
            }
        }
        final JsonNode version = tree.get("Version");
        if (version != null && !(version.isTextual() && (version.asText().equals("2012-10-17")
            || version.asText().equals("2008-10-17")))) {
            throw new InvalidPolicyException("Policy: Version must be \"2012-10-17\" or \"2008-10-17\", got " + version);
        }
        final boolean variables = version != null && version.asText().equals("2012-10-17");
        final JsonNode body = tree.get("Statement");
        if (body == null || !(body.isObject() || body.isArray()) || body.isArray() && body.isEmpty()) {
            throw new InvalidPolicyException("Policy: Statement must be an object or a non-empty array");
        }
        final List<JsonNode> nodes = new ArrayList<>();
        if (body.isObject()) {
            nodes.add(body);
        } else {
            body.forEach(nodes::add);
        }
        final Statement[] statements = new Statement[nodes.size()];
        final Set<String> sids = new HashSet<>();
        for (int i = 0; i < statements.length; i++) {
            statements[i] = Statement.compile(nodes.get(i), i, kind, variables);
            if (statements[i].sid != null && !sids.add(statements[i].sid)) {
                throw new InvalidPolicyException(statements[i].label() + ": Sid is not unique");
            }
        }
        return new PolicyDocument(kind, tree, json, statements, null);
    }

    /** @return the document's JSON, as given (or as built by {@link #withStatement}). */
    public String json() {
        return json;
    }

    /** @return the statements, in order. */
    public List<Statement> statements() {
        return List.of(statements);
    }

    /** @return whether it is a resource-based or an identity-based policy. */
    public Kind kind() {
        return kind;
    }

    /** @return the statement with this Sid, or {@code null}. */
    public Statement statement(final String sid) {
        for (Statement s : statements) {
            if (sid.equals(s.sid)) {
                return s;
            }
        }
        return null;
    }

    /** @return whether any statement tests this key (so a caller knows which request values to gather). */
    public boolean usesKey(final ConditionKey key) {
        return (keysUsed & 1 << key.ordinal()) != 0;
    }

    /**
     * @return a new document with this statement in place of the one with its Sid, or appended when none has it
     *         (PutPermission: "put permission just replaces the existing permission", recorded against AWS in
     *         LocalStack's {@code tests/aws/services/events/test_events.snapshot.json}, {@code test_put_permission}).
     * @throws InvalidPolicyException when the result is invalid (too long).
     */
    public PolicyDocument withStatement(final ObjectNode statement) {
        final ObjectNode copy = tree.deepCopy();
        final JsonNode body = copy.get("Statement");
        final ArrayNode list = copy.putArray("Statement");
        final String sid = statement.path("Sid").asText(null);
        boolean replaced = false;
        for (JsonNode s : body == null ? List.<JsonNode>of() : body.isObject() ? List.of(body) : body) {
            if (sid != null && sid.equals(s.path("Sid").asText(null))) {
                list.add(statement);
                replaced = true;
            } else {
                list.add(s);
            }
        }
        if (!replaced) {
            list.add(statement);
        }
        return parse(copy.toString(), kind);
    }

    /** @return a new document without the statement of this Sid, or {@code null} when none remains. */
    public PolicyDocument withoutStatement(final String sid) {
        final ObjectNode copy = tree.deepCopy();
        final ArrayNode list = JSON.createArrayNode();
        final JsonNode body = copy.get("Statement");
        (body.isObject() ? List.of(body) : body).forEach(s -> {
            if (!sid.equals(s.path("Sid").asText(null))) {
                list.add(s);
            }
        });
        if (list.isEmpty()) {
            return null;
        }
        copy.set("Statement", list);
        return parse(copy.toString(), kind);
    }

    /**
     * Evaluates every statement. Allocation-free.
     *
     * @param ignore keys (bits {@code 1 << ordinal}) whose conditions count as met, to tell which key denied.
     * @return the index of the first Allow statement that applies ({@code >= 0}), {@code -1} when none applies, or
     *         {@code -2 - i} when Deny statement {@code i} applies (an explicit deny wins over any allow).
     */
    int evaluate(final RequestContext ctx, final int ignore) {
        int allow = -1;
        final boolean putEvents = PUT_EVENTS.equals(ctx.action);
        final int[] known = boundResource != null && boundResource.equals(ctx.resource) ? knownForBound
            : knownForOther;
        for (int i = 0; i < statements.length; i++) {
            final Statement s = statements[i];
            if (s.applies(ctx, ignore, putEvents ? known[i] : known[i] & Statement.RESOURCE_BITS)) {
                if (!s.allow) {
                    return -2 - i;
                }
                if (allow < 0) {
                    allow = i;
                }
            }
        }
        return allow;
    }

    @Override
    public String toString() {
        return json;
    }

    // ---- statements ----------------------------------------------------------------------------------------

    /** One compiled statement. Immutable. */
    public static final class Statement {
        final String sid;
        final int index;
        final boolean allow;
        /** {@code null} when the statement has no Principal (identity policies). */
        private final String[] principals;
        private final boolean notPrincipal;
        private final boolean anyPrincipal;
        private final boolean hasRoles;
        private final Glob.Compiled[] actions;
        private final boolean notAction;
        private final Glob.Compiled[] resources;
        private final boolean notResource;
        final Condition[] conditions;

        private Statement(final String sid, final int index, final boolean allow, final String[] principals,
                          final boolean notPrincipal, final String[] actions, final boolean notAction,
                          final String[] resources, final boolean notResource, final Condition[] conditions) {
            this(sid, index, allow, principals, notPrincipal, compile(actions, true, false), notAction,
                compile(resources, false, true), notResource, conditions);
        }

        private Statement(final String sid, final int index, final boolean allow, final String[] principals,
                          final boolean notPrincipal, final Glob.Compiled[] actions, final boolean notAction,
                          final Glob.Compiled[] resources, final boolean notResource, final Condition[] conditions) {
            this.sid = sid;
            this.index = index;
            this.allow = allow;
            this.principals = principals;
            this.notPrincipal = notPrincipal;
            this.anyPrincipal = principals != null && java.util.Arrays.asList(principals).contains("*");
            this.hasRoles = principals != null && java.util.Arrays.stream(principals).anyMatch(e -> e.contains(":role/"));
            this.actions = actions;
            this.notAction = notAction;
            this.resources = resources;
            this.notResource = notResource;
            this.conditions = conditions;
        }

        /** @return the Sid, or {@code null}. */
        public String sid() {
            return sid;
        }

        /** @return the position in the document, from 0. */
        public int index() {
            return index;
        }

        /** @return {@code true} for Allow, {@code false} for Deny. */
        public boolean isAllow() {
            return allow;
        }

        /** @return {@code Statement[i]} or {@code Statement[i] (Sid=x)}, as messages name it. */
        public String label() {
            return "Statement[" + index + "]" + (sid == null ? "" : " (Sid=" + sid + ")");
        }

        @Override
        public String toString() {
            return label();
        }

        static final int ACTION_KNOWN = 1;
        static final int ACTION_MATCHES = 2;
        static final int RESOURCE_KNOWN = 4;
        static final int RESOURCE_MATCHES = 8;
        static final int RESOURCE_BITS = RESOURCE_KNOWN | RESOURCE_MATCHES;

        boolean matchesAction(final String action) {
            return matchesAny(actions, action) != notAction;
        }

        boolean matchesResource(final String resource) {
            return matchesAny(resources, resource) != notResource;
        }

        /** @param known which of Action and Resource were matched when the policy was compiled (bits above). */
        boolean applies(final RequestContext ctx, final int ignore, final int known) {
            if (principals != null && matchesPrincipal(ctx.principal) == notPrincipal) {
                return false;
            }
            if ((known & ACTION_KNOWN) != 0 ? (known & ACTION_MATCHES) == 0 : !matchesAction(ctx.action)) {
                return false;
            }
            if ((known & RESOURCE_KNOWN) != 0 ? (known & RESOURCE_MATCHES) == 0 : !matchesResource(ctx.resource)) {
                return false;
            }
            for (Condition c : conditions) {
                if ((ignore & 1 << c.key.ordinal()) == 0 && !c.test(ctx)) {
                    return false;
                }
            }
            return true;
        }

        /**
         * @return {@code null} when the statement applies to the request, else the first element that does not
         *         match ({@code Principal}, {@code Action}, {@code Resource} or the condition), for explanations.
         */
        public String whyNot(final RequestContext ctx) {
            if (principals != null && matchesPrincipal(ctx.principal) == notPrincipal) {
                return (notPrincipal ? "NotPrincipal names " : "Principal does not name ") + ctx.principal.arn();
            }
            if (matchesAny(actions, ctx.action) == notAction) {
                return (notAction ? "NotAction names " : "Action does not name ") + ctx.action;
            }
            if (matchesAny(resources, ctx.resource) == notResource) {
                return (notResource ? "NotResource names " : "Resource does not name ") + ctx.resource;
            }
            for (Condition c : conditions) {
                if (!c.test(ctx)) {
                    return "Condition " + c.describe() + " is not met";
                }
            }
            return null;
        }

        private boolean matchesPrincipal(final Principal p) {
            if (anyPrincipal) {
                return true;
            }
            for (String entry : principals) {
                if (entry.equals(p.account()) || entry.equals(p.arn())) {
                    return true;
                }
            }
            if (hasRoles && p.arn().startsWith("arn:aws:sts::")) {
                for (String entry : principals) {
                    if (isRoleOfSession(entry, p.arn())) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** {@code arn:aws:iam::A:role/R} names every session of it: {@code arn:aws:sts::A:assumed-role/R/s}. */
        private static boolean isRoleOfSession(final String role, final String arn) {
            final int r = role.indexOf(":role/");
            final int s = arn.indexOf(":assumed-role/");
            if (r < 0 || s < 0 || !role.startsWith("arn:aws:iam::") || !arn.startsWith("arn:aws:sts::")) {
                return false;
            }
            final int roleNameLength = role.length() - r - 6;
            final int sessionStart = s + 14;
            return role.regionMatches(13, arn, 13, 12) && arn.length() > sessionStart + roleNameLength
                && arn.charAt(sessionStart + roleNameLength) == '/'
                && role.regionMatches(r + 6, arn, sessionStart, roleNameLength);
        }

        private static Glob.Compiled[] compile(final String[] patterns, final boolean ignoreCase,
                                               final boolean arn) {
            final Glob.Compiled[] compiled = new Glob.Compiled[patterns.length];
            for (int i = 0; i < patterns.length; i++) {
                compiled[i] = new Glob.Compiled(patterns[i], ignoreCase, arn);
            }
            return compiled;
        }

        static boolean matchesAny(final Glob.Compiled[] patterns, final String value) {
            for (Glob.Compiled pattern : patterns) {
                if (pattern.matches(value)) {
                    return true;
                }
            }
            return false;
        }

        static Statement compile(final JsonNode node, final int index, final Kind kind, final boolean variables) {
            final String at0 = "Statement[" + index + "]";
            if (!node.isObject()) {
                throw new InvalidPolicyException(at0 + ": must be an object");
            }
            final JsonNode sidNode = node.get("Sid");
            if (sidNode != null && !sidNode.isTextual()) {
                throw new InvalidPolicyException(at0 + ": Sid must be a string");
            }
            final String sid = sidNode == null ? null : sidNode.asText();
            final String at = at0 + (sid == null ? "" : " (Sid=" + sid + ")");
            node.fieldNames().forEachRemaining(name -> {
                if (!STATEMENT_FIELDS.contains(name)) {
                    throw new InvalidPolicyException(at + ": unknown field '" + name + "'");
                }
            });
            final JsonNode effect = node.get("Effect");
            if (effect == null || !effect.isTextual()
                || !(effect.asText().equals("Allow") || effect.asText().equals("Deny"))) {
                throw new InvalidPolicyException(at + ": Effect must be \"Allow\" or \"Deny\", got "
                    + (effect == null ? "nothing" : effect.toString()));
            }
            final JsonNode principal = node.get("Principal");
            final JsonNode notPrincipal = node.get("NotPrincipal");
            if (principal != null && notPrincipal != null) {
                throw new InvalidPolicyException(at + ": give Principal or NotPrincipal, not both");
            }
            String[] principals = null;
            if (kind == Kind.RESOURCE) {
                if (principal == null && notPrincipal == null) {
                    throw new InvalidPolicyException(at + ": Principal is required in a resource-based policy");
                }
                principals = principals(principal != null ? principal : notPrincipal, at
                    + (principal != null ? ": Principal" : ": NotPrincipal"));
            } else if (principal != null || notPrincipal != null) {
                throw new InvalidPolicyException(at + ": Principal is not allowed in an identity-based policy");
            }
            final String[] actions = strings(node, "Action", "NotAction", at);
            for (String a : actions) {
                if (!ACTION.matcher(a).matches()) {
                    throw new InvalidPolicyException(at + ": " + (node.has("Action") ? "Action" : "NotAction") + " '"
                        + a + "' must be service:action (wildcards * and ? allowed) or *");
                }
            }
            final String[] resources = strings(node, "Resource", "NotResource", at);
            for (String r : resources) {
                if (!r.equals("*") && !(r.startsWith("arn:") && r.chars().filter(c -> c == ':').count() >= 5)) {
                    throw new InvalidPolicyException(at + ": " + (node.has("Resource") ? "Resource" : "NotResource")
                        + " '" + r + "' must be an ARN (arn:partition:service:region:account:resource) or *");
                }
            }
            final Condition[] conditions = Condition.compile(node.get("Condition"), at, variables);
            return new Statement(sid, index, effect.asText().equals("Allow"), principals, notPrincipal != null,
                actions, node.has("NotAction"), resources, node.has("NotResource"), conditions);
        }

        private static String[] principals(final JsonNode node, final String at) {
            if (node.isTextual()) {
                if (!node.asText().equals("*")) {
                    throw new InvalidPolicyException(at + ": must be \"*\" or an object such as {\"AWS\": ...}, got "
                        + node);
                }
                return new String[] {"*"};
            }
            if (!node.isObject() || node.isEmpty()) {
                throw new InvalidPolicyException(at + ": must be \"*\" or an object such as {\"AWS\": ...}");
            }
            final List<String> list = new ArrayList<>();
            node.fields().forEachRemaining(e -> {
                final String type = e.getKey();
                final String[] values = values(e.getValue(), at + "." + type);
                switch (type) {
                    case "AWS":
                        for (String v : values) {
                            final var m = IAM_ARN.matcher(v);
                            if (v.equals("*") || ACCOUNT.matcher(v).matches()) {
                                list.add(v);
                            } else if (m.matches()) {
                                // an account's root names the whole account, as in IAM
                                list.add(v.endsWith(":root") && m.group(1).equals("iam") ? m.group(2) : v);
                            } else {
                                throw new InvalidPolicyException(at + ".AWS: '" + v
                                    + "' must be *, a 12-digit account id or an IAM ARN");
                            }
                        }
                        break;
                    case "Service":
                    case "Federated":
                    case "CanonicalUser":
                        break; // accepted; never a caller here
                    default:
                        throw new InvalidPolicyException(at + ": unknown principal type '" + type
                            + "' (expected AWS, Service, Federated or CanonicalUser)");
                }
            });
            return list.toArray(new String[0]);
        }

        private static String[] strings(final JsonNode node, final String field, final String notField,
                                        final String at) {
            final JsonNode yes = node.get(field);
            final JsonNode no = node.get(notField);
            if (yes != null && no != null) {
                throw new InvalidPolicyException(at + ": give " + field + " or " + notField + ", not both");
            }
            if (yes == null && no == null) {
                throw new InvalidPolicyException(at + ": " + field + " or " + notField + " is required");
            }
            return values(yes != null ? yes : no, at + ": " + (yes != null ? field : notField));
        }

        static String[] values(final JsonNode node, final String at) {
            final List<String> list = new ArrayList<>();
            if (node.isArray()) {
                if (node.isEmpty()) {
                    throw new InvalidPolicyException(at + ": must not be an empty list");
                }
                node.forEach(v -> list.add(scalar(v, at)));
            } else {
                list.add(scalar(node, at));
            }
            return list.toArray(new String[0]);
        }

        private static String scalar(final JsonNode v, final String at) {
            if (v.isTextual()) {
                return v.asText();
            }
            if (v.isBoolean() || v.isNumber()) {
                return v.asText();
            }
            throw new InvalidPolicyException(at + ": values must be strings, got " + v);
        }
    }

    // ---- conditions ----------------------------------------------------------------------------------------

    /** The condition operators a bus policy may use. */
    public enum Operator {
        StringEquals(false), StringNotEquals(true), StringEqualsIgnoreCase(false), StringNotEqualsIgnoreCase(true),
        StringLike(false), StringNotLike(true), ArnEquals(false), ArnNotEquals(true), ArnLike(false),
        ArnNotLike(true), Bool(false), Null(false);

        final boolean negated;

        Operator(final boolean negated) {
            this.negated = negated;
        }

        boolean matches(final CharSequence policyValue, final String requestValue) {
            switch (this) {
                case StringEquals:
                case StringNotEquals:
                    return Glob.equals(policyValue, requestValue, false);
                case StringEqualsIgnoreCase:
                case StringNotEqualsIgnoreCase:
                case Bool:
                    return Glob.equals(policyValue, requestValue, true);
                case StringLike:
                case StringNotLike:
                    return Glob.like(policyValue, requestValue, false);
                default:
                    return Glob.arnLike(policyValue, requestValue);
            }
        }
    }

    /** One operator on one key with its values (ORed). */
    static final class Condition {
        static final int PLAIN = 0;
        static final int FOR_ALL = 1;
        static final int FOR_ANY = 2;
        final Operator op;
        final int set;
        final boolean ifExists;
        final ConditionKey key;
        final String suffix;
        final String[] values;
        /** Per value: {@code null}, or its parts when it holds policy variables. */
        final Template[] templates;
        /** Per value of a Like or Arn operator without variables: the classified pattern. */
        final Glob.Compiled[] patterns;

        Condition(final Operator op, final int set, final boolean ifExists, final ConditionKey key,
                  final String suffix, final String[] values, final Template[] templates) {
            this.op = op;
            this.set = set;
            this.ifExists = ifExists;
            this.key = key;
            this.suffix = suffix;
            this.values = values;
            this.templates = templates;
            this.patterns = new Glob.Compiled[values.length];
            final boolean like = op == Operator.StringLike || op == Operator.StringNotLike;
            final boolean arn = op.name().startsWith("Arn");
            final boolean ignoreCase = op.name().contains("IgnoreCase") || op == Operator.Bool;
            for (int i = 0; i < values.length; i++) {
                if (templates[i] == null && op != Operator.Null) {
                    patterns[i] = like || arn ? new Glob.Compiled(values[i], false, arn)
                        : Glob.Compiled.literal(values[i], ignoreCase);
                }
            }
        }

        static Condition[] compile(final JsonNode node, final String at, final boolean variables) {
            if (node == null) {
                return new Condition[0];
            }
            if (!node.isObject()) {
                throw new InvalidPolicyException(at + ": Condition must be an object of operators");
            }
            final List<Condition> list = new ArrayList<>();
            node.fields().forEachRemaining(byOp -> {
                String name = byOp.getKey();
                final String where = at + ": Condition." + name;
                int set = PLAIN;
                if (name.startsWith("ForAllValues:")) {
                    set = FOR_ALL;
                    name = name.substring(13);
                } else if (name.startsWith("ForAnyValue:")) {
                    set = FOR_ANY;
                    name = name.substring(12);
                }
                boolean ifExists = false;
                if (name.endsWith("IfExists")) {
                    ifExists = true;
                    name = name.substring(0, name.length() - 8);
                }
                final Operator op;
                try {
                    op = Operator.valueOf(name);
                } catch (IllegalArgumentException e) {
                    throw new InvalidPolicyException(where + ": operator '" + byOp.getKey()
                        + "' is not supported (String*, Arn*, Bool, Null, with ForAllValues:/ForAnyValue: and"
                        + " ...IfExists; no EventBridge key is numeric, a date or an address)");
                }
                if (op == Operator.Null && (ifExists || set != PLAIN)) {
                    throw new InvalidPolicyException(where + ": Null takes neither IfExists nor a set prefix");
                }
                if (!byOp.getValue().isObject() || byOp.getValue().isEmpty()) {
                    throw new InvalidPolicyException(where + ": must be an object of condition keys");
                }
                final int finalSet = set;
                final boolean finalIfExists = ifExists;
                byOp.getValue().fields().forEachRemaining(byKey -> {
                    final ConditionKey key = ConditionKey.find(byKey.getKey());
                    if (key == null) {
                        throw new InvalidPolicyException(where + ": unknown condition key '" + byKey.getKey()
                            + "' (supported: " + ConditionKey.supported() + ")");
                    }
                    final String suffix = key.isFamily()
                        ? byKey.getKey().substring(key.text().length()).toLowerCase(Locale.ROOT) : null;
                    final String[] values = Statement.values(byKey.getValue(), where + "." + byKey.getKey());
                    final Template[] templates = new Template[values.length];
                    for (int i = 0; i < values.length; i++) {
                        if (op == Operator.Null || op == Operator.Bool) {
                            if (!values[i].equalsIgnoreCase("true") && !values[i].equalsIgnoreCase("false")) {
                                throw new InvalidPolicyException(where + "." + byKey.getKey()
                                    + ": values must be true or false, got '" + values[i] + "'");
                            }
                        } else if (variables && values[i].contains("${")) {
                            templates[i] = Template.compile(values[i], where + "." + byKey.getKey());
                        }
                    }
                    list.add(new Condition(op, finalSet, finalIfExists, key, suffix, values, templates));
                });
            });
            return list.toArray(new Condition[0]);
        }

        String describe() {
            return (set == FOR_ALL ? "ForAllValues:" : set == FOR_ANY ? "ForAnyValue:" : "") + op
                + (ifExists ? "IfExists" : "") + " " + key.text() + (suffix == null ? "" : suffix) + " "
                + (values.length == 1 ? values[0] : java.util.Arrays.toString(values));
        }

        boolean test(final RequestContext ctx) {
            final int n = ctx.count(key, suffix);
            if (op == Operator.Null) {
                for (String v : values) {
                    if ((n == 0) == v.equalsIgnoreCase("true")) {
                        return true;
                    }
                }
                return false;
            }
            if (n == 0) {
                // IAM: a missing key fails a condition unless IfExists, ForAllValues (vacuously true) or a negated
                // operator (nothing to be equal to)
                return ifExists || set == FOR_ALL || set == PLAIN && op.negated;
            }
            if (set == FOR_ANY) {
                for (int i = 0; i < n; i++) {
                    if (holds(ctx, ctx.value(key, suffix, i))) {
                        return true;
                    }
                }
                return false;
            }
            // plain or ForAllValues: every request value must satisfy it (a pattern with two sources fails a
            // single-valued StringEquals, as the EventBridge guide says)
            for (int i = 0; i < n; i++) {
                if (!holds(ctx, ctx.value(key, suffix, i))) {
                    return false;
                }
            }
            return true;
        }

        /** @return whether one request value satisfies the operator against the policy's values (ORed). */
        private boolean holds(final RequestContext ctx, final String value) {
            boolean any = false;
            for (int i = 0; i < values.length && !any; i++) {
                final Template t = templates[i];
                if (t == null) {
                    any = patterns[i].matches(value);
                } else {
                    final CharSequence resolved = t.resolve(ctx);
                    any = resolved != null && op.matches(resolved, value);
                }
            }
            return op.negated != any;
        }
    }

    /** A condition value with policy variables: literal parts around key references. */
    static final class Template {
        final String[] literals;
        final ConditionKey[] keys;
        final String[] suffixes;

        private Template(final String[] literals, final ConditionKey[] keys, final String[] suffixes) {
            this.literals = literals;
            this.keys = keys;
            this.suffixes = suffixes;
        }

        static Template compile(final String value, final String at) {
            final List<String> literals = new ArrayList<>();
            final List<ConditionKey> keys = new ArrayList<>();
            final List<String> suffixes = new ArrayList<>();
            final StringBuilder literal = new StringBuilder();
            int i = 0;
            while (i < value.length()) {
                final int start = value.indexOf("${", i);
                if (start < 0) {
                    literal.append(value, i, value.length());
                    break;
                }
                literal.append(value, i, start);
                final int end = value.indexOf('}', start);
                if (end < 0) {
                    throw new InvalidPolicyException(at + ": '" + value + "': policy variable is not closed");
                }
                final String name = value.substring(start + 2, end);
                if (name.equals("*") || name.equals("?") || name.equals("$")) {
                    literal.append(name);
                } else {
                    final ConditionKey key = ConditionKey.find(name);
                    if (key == null) {
                        throw new InvalidPolicyException(at + ": '" + value + "': unknown policy variable ${" + name
                            + "}");
                    }
                    literals.add(literal.toString());
                    literal.setLength(0);
                    keys.add(key);
                    suffixes.add(key.isFamily() ? name.substring(key.text().length()).toLowerCase(Locale.ROOT)
                        : null);
                }
                i = end + 1;
            }
            literals.add(literal.toString());
            return new Template(literals.toArray(new String[0]), keys.toArray(new ConditionKey[0]),
                suffixes.toArray(new String[0]));
        }

        /** @return the value with the request's values substituted, or {@code null} when one is absent. */
        CharSequence resolve(final RequestContext ctx) {
            final StringBuilder b = ctx.scratch;
            b.setLength(0);
            for (int i = 0; i < keys.length; i++) {
                b.append(literals[i]);
                final String v = ctx.single(keys[i], suffixes[i]);
                if (v == null) {
                    return null;
                }
                b.append(v);
            }
            return b.append(literals[keys.length]);
        }
    }
}
