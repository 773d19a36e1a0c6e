# A tour of what a script can do in capy: the whole language, no ambient authority.

class Greeter:
    def __init__(self, name):
        self.name = name

    def greet(self):
        return f"Hello, {self.name}!"


def squares(n):
    for i in range(n):
        yield i * i


print(Greeter("capy").greet())
print("squares:", list(squares(5)))

try:
    open("/etc/passwd")
except NameError as err:
    print("no ambient files:", err)

try:
    import os
except ImportError as err:
    print("no imports:", err)
