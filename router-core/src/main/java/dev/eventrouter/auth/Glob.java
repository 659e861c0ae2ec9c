package dev.eventrouter.auth;

/**
 * IAM's wildcards without allocation: {@code *} is any run of characters, {@code ?} any one character. ARNs are
 * compared part by part (partition, service, region, account, resource), so a wildcard never spans a colon between
 * the first five parts but may span anything within the resource part.
 */
final class Glob {
    private Glob() {
    }

    static boolean like(final CharSequence pattern, final CharSequence text, final boolean ignoreCase) {
        return like(pattern, 0, pattern.length(), text, 0, text.length(), ignoreCase);
    }

    static boolean like(final CharSequence p, final int pStart, final int pEnd, final CharSequence t,
                        final int tStart, final int tEnd, final boolean ignoreCase) {
        int pi = pStart;
        int ti = tStart;
        int starP = -1;
        int starT = -1;
        while (ti < tEnd) {
            if (pi < pEnd) {
                final char pc = p.charAt(pi);
                if (pc == '*') {
                    starP = ++pi;
                    starT = ti;
                    continue;
                }
                if (pc == '?' || same(pc, t.charAt(ti), ignoreCase)) {
                    pi++;
                    ti++;
                    continue;
                }
            }
            if (starP < 0) {
                return false;
            }
            pi = starP;
            ti = ++starT;
        }
        while (pi < pEnd && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == pEnd;
    }

    static boolean equals(final CharSequence a, final CharSequence b, final boolean ignoreCase) {
        final int n = a.length();
        if (n != b.length()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!same(a.charAt(i), b.charAt(i), ignoreCase)) {
                return false;
            }
        }
        return true;
    }

    private static boolean same(final char a, final char b, final boolean ignoreCase) {
        return a == b || ignoreCase && (Character.toLowerCase(a) == Character.toLowerCase(b)
            || Character.toUpperCase(a) == Character.toUpperCase(b));
    }

    /**
     * ArnLike/ArnEquals and Resource matching: both must have six parts; each of the first five is matched on its
     * own. A pattern of {@code *} alone matches every ARN.
     */
    static boolean arnLike(final CharSequence pattern, final CharSequence arn) {
        if (pattern.length() == 1 && pattern.charAt(0) == '*') {
            return true;
        }
        int ps = 0;
        int ts = 0;
        for (int part = 0; part < 5; part++) {
            final int pe = indexOf(pattern, ':', ps);
            final int te = indexOf(arn, ':', ts);
            if (pe < 0 || te < 0) {
                return false;
            }
            if (!like(pattern, ps, pe, arn, ts, te, false)) {
                return false;
            }
            ps = pe + 1;
            ts = te + 1;
        }
        return like(pattern, ps, pattern.length(), arn, ts, arn.length(), false);
    }

    private static int indexOf(final CharSequence s, final char c, final int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A pattern classified once: {@code *} alone, no wildcard (compared with {@code equals}), one trailing
     * {@code *} (a prefix), or a general pattern. ARN patterns of the first two kinds need no part-by-part walk.
     */
    static final class Compiled {
        private static final int ANY = 0;
        private static final int EXACT = 1;
        private static final int PREFIX = 2;
        private static final int GENERAL = 3;
        final String text;
        private final int kind;
        private final boolean ignoreCase;
        private final boolean arn;

        private Compiled(final String text, final boolean ignoreCase, final int kind) {
            this.text = text;
            this.ignoreCase = ignoreCase;
            this.arn = false;
            this.kind = kind;
        }

        /** @return a value compared whole: {@code *} and {@code ?} are themselves (the Equals operators). */
        static Compiled literal(final String text, final boolean ignoreCase) {
            return new Compiled(text, ignoreCase, EXACT);
        }

        Compiled(final String text, final boolean ignoreCase, final boolean arn) {
            this.text = text;
            this.ignoreCase = ignoreCase;
            this.arn = arn;
            final int star = text.indexOf('*');
            final boolean question = text.indexOf('?') >= 0;
            if (text.equals("*")) {
                kind = ANY;
            } else if (star < 0 && !question) {
                kind = EXACT;
            } else if (!arn && !question && star == text.length() - 1) {
                kind = PREFIX;
            } else {
                kind = GENERAL;
            }
        }

        boolean matches(final String value) {
            switch (kind) {
                case ANY:
                    return true;
                case EXACT:
                    return ignoreCase ? text.equalsIgnoreCase(value) : text.equals(value);
                case PREFIX:
                    return value.regionMatches(ignoreCase, 0, text, 0, text.length() - 1);
                default:
                    return arn ? arnLike(text, value) : like(text, value, ignoreCase);
            }
        }
    }
}
