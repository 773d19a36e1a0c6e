try:
    class Evil(type(data)):
        pass
    e = Evil()
    print("ESCAPED:", e)
except TypeError:
    pass
