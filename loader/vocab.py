"""The vocabulary and rough frequencies of the published E-commerce Dataset, hard-coded.

Derived once by profiling the two real samples (never read at run time): product names, their
constant list price (`Sales`), the order in which products cycle inside a category, the band of
`Profit / Sales`, and the shares of each categorical value. Category sizes follow public profiles
of the full 51,290-row file.
"""

from __future__ import annotations

from dataclasses import dataclass

HEADER = (
    "Order_Date,Time,Aging,Customer_Id,Gender,Device_Type,Customer_Login_type,Product_Category,"
    "Product,Sales,Quantity,Discount,Profit,Shipping_Cost,Order_Priority,Payment_method"
)
PUBLISHED_ROWS = 51_290


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    sales: int  # list price in whole units; the same on every row, whatever the Quantity
    # Upper end of Profit/Sales; the real band is about 0.24 wide. None: cheap products whose
    # profit is Sales / k for a small k (1..5), usually k == Quantity.
    profit_hi: float | None
    # A few products also show near-zero profits (0.8 on an 85 list price).
    tiny_profits: bool = False


# Categories in file order (the published file is sorted by category); products in the order they
# cycle through within a category; rows per category in the 51,290-row file.
CATEGORIES: tuple[tuple[str, int, tuple[Product, ...]], ...] = (
    (
        "Auto & Accessories",
        7_505,
        (
            Product("Car Media Players", 140, 0.42),
            Product("Car Speakers", 211, 0.61),
            Product("Car Body Covers", 117, 0.31),
            Product("Car & Bike Care", 118, 0.31),
            Product("Tyre", 250, 0.67),
            Product("Bike Tyres", 72, None),
            Product("Car Mat", 54, None),
            Product("Car Seat Covers", 114, 0.29),
            Product("Car Pillow & Neck Rest", 231, 0.64),
        ),
    ),
    (
        "Electronic",
        2_701,
        (
            Product("Samsung Mobile", 220, 0.63),
            Product("Watch", 104, 0.22),
            Product("Fans", 149, 0.45),
            Product("Iron", 222, 0.63),
            Product("Tablet", 199, 0.59),
            Product("Mouse", 111, 0.27),
            Product("Keyboard", 33, None),
            Product("Apple Laptop", 250, 0.67),
            Product("Mixer/Juicer", 83, None, tiny_profits=True),
            Product("LED", 192, 0.57),
            Product("LCD", 65, None),
            Product("Speakers", 130, 0.38),
        ),
    ),
    (
        "Fashion",
        25_646,
        (
            Product("Formal Shoes", 213, 0.60),
            Product("Sneakers", 62, None),
            Product("Titak watch", 228, 0.64),
            Product("Fossil Watch", 159, 0.49),
            Product("T - Shirts", 248, 0.67),
            Product("Shirts", 196, 0.58),
            Product("Jeans", 218, 0.62),
            Product("Suits", 109, 0.26),
            Product("Sports Wear", 85, None, tiny_profits=True),
            Product("Casula Shoes", 122, 0.33),
            Product("Running Shoes", 224, 0.63),
        ),
    ),
    (
        "Home & Furniture",
        15_438,
        (
            Product("Sofa Covers", 216, 0.62),
            Product("Bed Sheets", 211, 0.61),
            Product("Curtains", 34, None),
            Product("Towels", 228, 0.64),
            Product("Sofas", 67, None),
            Product("Beds", 78, None),
            Product("Dinning Tables", 119, 0.31),
            Product("Shoe Rack", 124, 0.35),
            Product("Umbrellas", 70, None),
            Product("Dinner Crockery", 133, 0.39),
        ),
    ),
)
PROFIT_BAND = 0.24
MIN_PROFIT_RATIO = 0.015

# (value, share). Rare "other" values exist in the real file; they are kept rare here too.
GENDERS = (("Male", 0.62), ("Female", 0.38))
DEVICES = (("Web", 0.97), ("Mobile", 0.03))
LOGIN_TYPES = (
    ("Member", 0.94),
    ("Guest", 0.055),
    ("First SignUp", 0.0025),
    ("New", 0.002),
    ("not_defined", 0.0005),
)
PRIORITIES = (("Medium", 0.43), ("High", 0.39), ("Critical", 0.165), ("Low", 0.015))
PAYMENTS = (
    ("credit_card", 0.74),
    ("money_order", 0.185),
    ("e_wallet", 0.055),
    ("debit_card", 0.0195),
    ("not_defined", 0.0005),
)
QUANTITIES = ((1, 0.44), (2, 0.095), (3, 0.155), (4, 0.155), (5, 0.155))
DISCOUNT_TENTHS = ((1, 0.16), (2, 0.31), (3, 0.25), (4, 0.14), (5, 0.14))
# Orders per month of 2018 and per hour of the day (relative weights).
MONTH_WEIGHTS = (85, 84, 119, 168, 220, 156, 217, 163, 175, 209, 207, 197)
HOUR_WEIGHTS = (
    42, 21, 12, 5, 6, 4, 9, 26, 53, 97, 120, 130,
    112, 138, 151, 114, 136, 136, 127, 110, 132, 124, 113, 82,
)  # fmt: skip
CUSTOMER_ID_MIN, CUSTOMER_ID_MAX = 10_000, 99_999
AGING_MIN, AGING_MAX = 1, 10
