# expect: 200000 31950 4294949485
# Numbers from a linear congruential generator, so every run sorts the same list.
x = 12345
values = []
for _ in range(200000):
    x = (1103515245 * x + 12345) % 2**32
    values.append(x)
values.sort()
pairs = sorted(((v % 1000, v) for v in values[:50000]), reverse=True)
print(len(values), values[0], values[-1])
