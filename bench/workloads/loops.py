# expect: 333332833333500000 4999950000
total = 0
for i in range(10**6):
    total += i * i
print(total, sum(range(10**5)))
