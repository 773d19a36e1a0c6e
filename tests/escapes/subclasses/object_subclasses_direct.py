for c in object.__subclasses__():
    if c.__name__ in ("BuiltinImporter", "ModuleSpec", "catch_warnings", "Popen", "FileIO", "_wrap_close"):
        print("ESCAPED:", c)
