# expect: 300000 150000
class Shape:
    def __init__(self, size):
        self.size = size

    def area(self):
        raise NotImplementedError


class Square(Shape):
    def area(self):
        return self.size * self.size


class Rect(Square):
    def __init__(self, size, other):
        super().__init__(size)
        self.other = other

    def area(self):
        return self.size * self.other


shapes = [Square(1) if i % 2 else Rect(1, 2) for i in range(100000)]
total = sum(s.area() for s in shapes)
print(total * 2, sum(isinstance(s, Rect) for s in shapes) * 3)
