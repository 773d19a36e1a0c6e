"""capy: the C locale, the only one a sandbox has.

The catalog's `_strptime`, `calendar` and `decimal` ask for locale facts;
the answers are CPython's in the "C" locale. `setlocale` accepts only it.
"""

LC_CTYPE = 0
LC_NUMERIC = 1
LC_TIME = 2
LC_COLLATE = 3
LC_MONETARY = 4
LC_MESSAGES = 5
LC_ALL = 6
CHAR_MAX = 127


class Error(Exception):
    pass


def setlocale(category, locale=None):
    if locale not in (None, "", "C", "POSIX"):
        raise Error("unsupported locale setting")
    return "C"


def getlocale(category=LC_CTYPE):
    return (None, None)


def getencoding():
    return "UTF-8"


def getpreferredencoding(do_setlocale=True):
    return "UTF-8"


def localeconv():
    return {
        "int_curr_symbol": "", "currency_symbol": "", "mon_decimal_point": "",
        "mon_thousands_sep": "", "mon_grouping": [], "positive_sign": "",
        "negative_sign": "", "int_frac_digits": CHAR_MAX,
        "frac_digits": CHAR_MAX, "p_cs_precedes": CHAR_MAX,
        "p_sep_by_space": CHAR_MAX, "n_cs_precedes": CHAR_MAX,
        "n_sep_by_space": CHAR_MAX, "p_sign_posn": CHAR_MAX,
        "n_sign_posn": CHAR_MAX, "decimal_point": ".", "thousands_sep": "",
        "grouping": [],
    }


def normalize(localename):
    return localename
