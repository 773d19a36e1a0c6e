def outer():
    secret = 42
    def inner(): return secret
    return inner
cells = outer().__closure__
if [c.cell_contents for c in cells] != [42]: print("ESCAPED: odd closure")
