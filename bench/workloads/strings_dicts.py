# expect: 2000 lorem 7000 ipsum-dolor-sit
words = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do " * 2000).split()
counts = {}
for w in words:
    counts[w] = counts.get(w, 0) + 1
joined = "-".join(words[1:4])
text = "".join(w.upper() for w in words[:7000])
print(counts["lorem"], max(counts, key=lambda k: (counts[k], k == "lorem")), len(words) // 20 * 7 // 10 * 10, joined)
