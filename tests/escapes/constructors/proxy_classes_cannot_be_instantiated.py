for obj in (data, (data / "a.txt").stat()):
    for make in (lambda: type(obj)(), lambda: type(obj)("/etc"), lambda: object.__new__(type(obj))):
        try:
            print("ESCAPED: made", make())
        except TypeError:
            pass
