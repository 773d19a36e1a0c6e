"""capy: `time.strptime`, importing `_strptime` as catalog code.

RustPython's native `time.strptime` imports `_strptime` on behalf of
whichever frame called it, which in a sandbox is the script's (and the
script may not import internals); this wrapper makes the import itself.
"""


def strptime(data_string, format="%a %b %d %H:%M:%S %Y"):
    import _strptime
    return _strptime._strptime_time(data_string, format)
