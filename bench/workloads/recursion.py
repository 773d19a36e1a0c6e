# expect: 75025 3628800
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def fact(n):
    return 1 if n == 0 else n * fact(n - 1)

print(fib(25), fact(10))
