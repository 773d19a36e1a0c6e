private = [n for n in dir(data) if n.startswith("_") and not (n.startswith("__") and n.endswith("__"))]
if private: print("ESCAPED: private names", private)
