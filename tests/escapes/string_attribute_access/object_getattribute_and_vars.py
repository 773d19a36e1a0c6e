for probe in (lambda: vars(data), lambda: object.__getattribute__(data, "__dict__"), lambda: data.__dict__):
    try:
        print("ESCAPED:", probe())
    except (TypeError, AttributeError):
        pass
