# expect: 1241
# A small Mandelbrot set: points of a 80x60 grid that stay bounded.
inside = 0
for y in range(60):
    for x in range(80):
        c = complex(-2.0 + 2.5 * x / 80, -1.25 + 2.5 * y / 60)
        z = 0j
        for _ in range(50):
            z = z * z + c
            if abs(z) > 2.0:
                break
        else:
            inside += 1
print(inside)
