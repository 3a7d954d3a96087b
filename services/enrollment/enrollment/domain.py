"""Enrollment's domain rules, free of broker and database."""

# GB 32100-2015: the unified social credit code alphabet (no I, O, S, V, Z)
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first_17):
    total = sum(CREDIT_CODE_ALPHABET.index(char) * weight
                for char, weight in zip(first_17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code):
    """None when ``code`` is a valid unified social credit code, else why not."""
    if len(code) != 18:
        return "must be 18 characters, got %d" % len(code)
    bad = sorted({char for char in code if char not in CREDIT_CODE_ALPHABET})
    if bad:
        return "contains characters not allowed in a credit code: %s" % "".join(bad)
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return "check character is %s, expected %s" % (code[17], expected)
    return None


def normalise_credit_code(code):
    return code.strip().upper()
