# expect: 2000 2578450 item-1999
import json

# A nested document of records, dumped and parsed back repeatedly.
records = [
    {"id": i, "name": "item-%d" % i, "price": i * 0.25, "tags": ["t%d" % (i % 7), "x"],
     "active": i % 3 == 0, "meta": {"owner": None, "rank": i % 11}}
    for i in range(2000)
]
total = 0
for _ in range(10):
    text = json.dumps(records, sort_keys=True)
    back = json.loads(text)
    total += len(text) + sum(r["meta"]["rank"] for r in back)
print(len(back), total, back[1999]["name"])
