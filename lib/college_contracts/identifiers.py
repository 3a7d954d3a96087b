"""Chinese identifiers as the API accepts them: their format and check
characters are part of the contract, checked where the input arrives."""
import re
from datetime import date

# GB 32100-2015: the unified social credit code alphabet (no I, O, S, V, Z)
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first_17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(char) * weight
                for char, weight in zip(first_17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
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


def normalise_credit_code(code: str) -> str:
    return code.strip().upper()


# -- resident identity numbers (GB 11643-1999) ----------------------------------------------

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"


def resident_id_check_character(first_17: str) -> str:
    return RESIDENT_ID_CHECK[sum(int(d) * w for d, w in zip(first_17, RESIDENT_ID_WEIGHTS)) % 11]


def birth_date_from_resident_id(number: str) -> date | None:
    """The date of birth held in digits 7 to 14, or None when it is no real date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


RESIDENT_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def resident_id_problem(number: str, today: date | None = None) -> str | None:
    """None when ``number`` is a valid 18-character resident identity number, else why not."""
    if len(number) != 18:
        return "must be 18 characters, got %d" % len(number)
    if not RESIDENT_ID_SHAPE.fullmatch(number):  # ASCII digits: isdigit() takes any script's
        return "must be 17 digits and a digit or X"
    born = birth_date_from_resident_id(number)
    if born is None:
        return "digits 7-14 are not a real date of birth"
    if born > (today or date.today()) or born.year < 1900:
        return "the date of birth %s is not plausible" % born.isoformat()
    expected = resident_id_check_character(number[:17])
    if number[17] != expected:
        return "check character is %s, expected %s" % (number[17], expected)
    return None


def normalise_resident_id(number: str) -> str:
    return number.strip().upper()
