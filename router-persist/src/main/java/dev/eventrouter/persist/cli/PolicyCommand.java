package dev.eventrouter.persist.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.auth.Authorizer;
import dev.eventrouter.auth.Organizations;
import dev.eventrouter.auth.PolicyDocument;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.auth.RequestContext;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code router policy validate|simulate}: checks a bus policy and decides a call against it, as IAM would. */
@Command(name = "policy", mixinStandardHelpOptions = true,
    description = "Validates event bus policies and simulates calls against them (docs/accounts.md).",
    subcommands = {PolicyCommand.Validate.class, PolicyCommand.Simulate.class})
final class PolicyCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: validate or simulate");
    }

    static PolicyDocument load(final String option, final Path file, final boolean identity) {
        final String text = CliInput.readFile(option, file);
        try {
            return identity ? PolicyDocument.parseIdentity(text) : PolicyDocument.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserError(option + " " + file + ": " + e.getMessage());
        }
    }

    /** {@code router policy validate --policy P.json}. */
    @Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks a bus policy: prints its statements, or the first error naming the statement and field.",
            "Exit code 0 when valid, 2 when not."})
    static final class Validate implements Callable<Integer> {
        @Option(names = "--policy", required = true, paramLabel = "P.json", description = "The policy document.")
        private Path policy;

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            final PolicyDocument document = load("--policy", policy, false);
            final PrintWriter out = spec.commandLine().getOut();
            out.println("valid: " + document.statements().size() + " statement"
                + (document.statements().size() == 1 ? "" : "s") + ", " + document.json().length() + " of "
                + PolicyDocument.MAX_CHARS + " characters");
            document.statements().forEach(s -> out.println("  " + s.label() + ": " + (s.isAllow() ? "Allow" : "Deny")));
            return 0;
        }
    }

    /** {@code router policy simulate ...}. */
    @Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Decides one call against a bus policy as EventBridge would, like the IAM policy simulator.",
            "Prints Allow or Deny and the statement that decided; for an implicit deny, why each statement did not"
                + " apply.",
            "Exit code 0 allow, 1 deny, 2 bad input."})
    static final class Simulate implements Callable<Integer> {
        @Option(names = "--policy", required = true, paramLabel = "P.json", description = "The bus's resource policy.")
        private Path policy;

        @Option(names = "--principal", required = true, paramLabel = "ACCOUNT|ARN", description = "The caller: an account id or principal ARN.")
        private String principal;

        @Option(names = "--action", required = true, paramLabel = "events:ACTION", description = "The call, as events:PutEvents or events:PutRule.")
        private String action;

        @Option(names = "--resource", paramLabel = "ARN", description = "The bus or rule ARN called (default: the policy's first Resource without wildcards).")
        private String resource;

        @Option(names = "--source", paramLabel = "S", description = "events:source (repeat for a PutRule pattern's values).")
        private List<String> sources = new ArrayList<>();

        @Option(names = "--detail-type", paramLabel = "D", description = "events:detail-type (repeatable).")
        private List<String> detailTypes = new ArrayList<>();

        @Option(names = "--creator-account", paramLabel = "ACCOUNT", description = "events:creatorAccount (an existing rule's creator).")
        private String creatorAccount;

        @Option(names = "--event-bus-invocation", paramLabel = "true|false", description = "events:eventBusInvocation (true: a rule delivering to this bus; default false for PutEvents).")
        private Boolean eventBusInvocation;

        @Option(names = "--source-arn", paramLabel = "RULE_ARN", description = "aws:SourceArn (the delivering rule); aws:SourceAccount is its account.")
        private String sourceArn;

        @Option(names = "--target-arn", paramLabel = "ARN", description = "events:TargetArn (repeatable).")
        private List<String> targetArns = new ArrayList<>();

        @Option(names = "--resource-tag", paramLabel = "KEY=VALUE", description = "aws:ResourceTag/KEY (repeatable).")
        private Map<String, String> resourceTags = new LinkedHashMap<>();

        @Option(names = "--principal-tag", paramLabel = "KEY=VALUE", description = "aws:PrincipalTag/KEY (repeatable; over the org config's account tags).")
        private Map<String, String> principalTags = new LinkedHashMap<>();

        @Option(names = "--org-config", paramLabel = "O.json", description = "Accounts' organizations and tags: {\"ACCOUNT\": {\"organization\": \"o-...\", \"tags\": {...}}}.")
        private Path orgConfig;

        @Option(names = "--identity-policy", paramLabel = "I.json", description = "The caller's identity-based policy (default: full access to its own account).")
        private Path identityPolicy;

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            final PolicyDocument document = load("--policy", policy, false);
            if (!action.matches("[A-Za-z0-9-]+:[A-Za-z0-9]+")) {
                throw new UserError("--action " + action + ": must be service:Action, as events:PutEvents");
            }
            Principal caller = RouterConfigFile.principal(principal, "--principal");
            if (identityPolicy != null) {
                caller = caller.withIdentityPolicy(load("--identity-policy", identityPolicy, true));
            }
            final Organizations registry = orgConfig == null ? Organizations.NONE
                : RouterConfigFile.organizations(orgConfig, "--org-config");
            try {
                caller = registry.resolve(caller);
                if (!principalTags.isEmpty()) {
                    final Map<String, String> tags = new LinkedHashMap<>(caller.tags());
                    tags.putAll(principalTags);
                    caller = caller.withTags(tags);
                }
            } catch (IllegalArgumentException e) {
                throw new UserError("--principal: " + e.getMessage());
            }
            final String arn = resource != null ? resource : defaultResource(document);
            final String[] parts = arn.split(":", 6);
            if (parts.length < 6 || !parts[0].equals("arn")) {
                throw new UserError("--resource " + arn + ": must be an ARN (arn:aws:events:REGION:ACCOUNT:...)");
            }
            final RequestContext ctx = new RequestContext().reset(caller, action, arn).resourceTags(resourceTags)
                .targetArns(targetArns);
            sources.forEach(ctx::source);
            detailTypes.forEach(ctx::detailType);
            if (creatorAccount != null) {
                ctx.creatorAccount(creatorAccount);
            }
            if (eventBusInvocation != null || action.equalsIgnoreCase("events:PutEvents")) {
                ctx.eventBusInvocation(eventBusInvocation != null && eventBusInvocation);
            }
            if (sourceArn != null) {
                final String[] source = sourceArn.split(":", 6);
                if (source.length < 6) {
                    throw new UserError("--source-arn " + sourceArn + ": must be a rule ARN");
                }
                ctx.sourceRule(sourceArn, source[4]);
            }
            final int decision = Authorizer.decide(document, parts[4], ctx, 0);
            final PrintWriter out = spec.commandLine().getOut();
            final boolean allowed = Authorizer.allowed(decision);
            out.println(allowed ? "Allow" : "Deny");
            out.println("  " + Authorizer.explain(decision, document, caller.identityPolicy()));
            if (!allowed) {
                out.println("  " + Authorizer.message(decision, ctx));
                if (Authorizer.outcome(decision) == Authorizer.DENY_NO_ALLOW) {
                    for (PolicyDocument.Statement s : document.statements()) {
                        if (s.isAllow()) {
                            out.println("  " + s.label() + ": " + s.whyNot(ctx));
                        }
                    }
                }
            }
            return allowed ? 0 : 1;
        }

        private static String defaultResource(final PolicyDocument document) {
            final JsonNode tree;
            try {
                tree = new ObjectMapper().readTree(document.json());
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            final JsonNode body = tree.get("Statement");
            for (JsonNode statement : body.isArray() ? body : List.of(body)) {
                final JsonNode r = statement.get("Resource");
                for (JsonNode value : r == null ? List.<JsonNode>of() : r.isArray() ? r : List.of(r)) {
                    if (!value.asText().contains("*") && !value.asText().contains("?")) {
                        return value.asText();
                    }
                }
            }
            throw new UserError("--resource is required: the policy names no resource without wildcards");
        }
    }
}
