for probe in ("ｏｐｅｎ", "ｅｖａｌ", "ｅｘｅｃ", "𝐨𝐩𝐞𝐧", "ℯ𝓍ℯ𝒸"):
    pass
try:
    ｏｐｅｎ
    print("ESCAPED: open")
except NameError:
    pass
try:
    𝐞𝐯𝐚𝐥
    print("ESCAPED: eval")
except NameError:
    pass
try:
    __𝐢𝐦𝐩𝐨𝐫𝐭__
    print("ESCAPED: __import__")
except NameError:
    pass
