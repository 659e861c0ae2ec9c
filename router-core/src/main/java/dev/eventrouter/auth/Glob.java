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
}
