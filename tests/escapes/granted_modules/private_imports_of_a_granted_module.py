# A module grant used to limit `import`, not reach: `json.decoder.re`,
# `from json.decoder import re` and `re.enum.sys.modules` handed out the
# catalog's real modules with their imports. A script now holds views.
import json

try:
    re_module = json.decoder.re
    print("ESCAPED json.decoder.re:", re_module)
except AttributeError as e:
    print("refused:", e)
try:
    from json.decoder import re as re_module
    print("ESCAPED from json.decoder import re:", re_module)
except ImportError as e:
    print("refused:", e)
for module in (json, json.decoder, json.encoder, json.scanner):
    private = [k for k in vars(module) if k.startswith("_") and not k.startswith("__")]
    if private:
        print("ESCAPED private names of", module.__name__, private)
    if module.__loader__ is not None or module.__spec__ is not None:
        print("ESCAPED import metadata on", module.__name__)
try:
    json.decoder.nothing
except AttributeError as e:
    if e.obj is not None and e.obj is not json.decoder:
        print("ESCAPED AttributeError.obj is the real module:", e.obj)
