"""The hostile documents of issue 7 (the readers' half), each with the field its error must name.

Inline and small: a document is built from a few characters each time, so the corpus is readable
and the bombs never sit on disk.
"""

from __future__ import annotations

DEEP = 500


def alias_bomb(key: str = "spaces", width: int = 9, levels: int = 9) -> str:
    """`levels` anchors each listing the previous `width` times: width**levels values once
    expanded, from a file of about a kilobyte."""
    lines = [f"{key}:", "  - &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"  - &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


# (name, site file text, the field the error names, a phrase of the error)
SITE_YAML: list[tuple[str, str, str, str]] = [
    ("unit divided by zero", "water_supply: 12 L/day/0\n", "water_supply", "unknown unit"),
    ("unit with an open parenthesis", "water_supply: 12 (L/day\n", "water_supply", "never closed"),
    ("unit with a stray parenthesis", "water_supply: 12 L/day)\n", "water_supply", "closes no"),
    ("unit nested in parentheses", "water_supply: 12 " + "(" * 8 + "L/day" + ")" * 8 + "\n",
     "water_supply", "nested at most"),
    ("unit nested a thousand deep", "water_supply: 12 " + "(" * 1000 + "L" + ")" * 1000 + "\n",
     "water_supply", "at most 100 characters"),
    ("quantity of 40k characters", 'water_supply: "12 ' + "L/" * 20_000 + 'day"\n',
     "water_supply", "at most 10,000 characters"),
    ("quantity of 5k characters", 'water_supply: "12 ' + "L*" * 2_500 + 'L/day"\n',
     "water_supply", "at most 100 characters"),
    ("comma as a decimal mark", "water_supply: 1,2 m^3/day\n", "water_supply", "comma"),
    ("400-digit count", "beds: " + "9" * 400 + "\n", "beds", "at most 32 digits"),
    ("400-digit count as text", 'beds: "' + "9" * 400 + '"\n', "beds",
     "expected a whole number"),  # text is not a number, however many digits
    ("400-digit quantity", "water_supply: " + "9" * 400 + "\n", "water_supply",
     "at most 32 digits"),
    ("YAML nested 500 deep", "spaces: " + "[" * DEEP + "]" * DEEP + "\n", "spaces",
     "nested more than"),
    ("YAML mappings nested 500 deep", "staffing: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n",
     "staffing", "nested more than"),
    ("alias bomb on spaces", alias_bomb(), "spaces", "once aliases are expanded"),
    ("YAML 1.1 sexagesimal", "beds: 1:20\n", "beds", "expected a whole number"),
    ("yes as a toilet", "toilets: {female: yes}\n", "toilets.female", "expected a whole number"),
    ("true as a toilet", "toilets: {female: true}\n", "toilets.female", "expected a whole number"),
    ("on as a person", "population: {male: on}\n", "population.male", "expected a whole number"),
    ("true as a person", "population: {female: true}\n", "population.female",
     "expected a whole number"),
    ("true as litres", "water_supply: true\n", "water_supply", "got True"),
    # issue 16: what only looks like a boolean or a number is refused, never coerced
    ("a quoted true as a yes/no", 'provides_accommodation: "true"\n', "provides_accommodation",
     "expected true or false, got 'true'"),
    ("t as a yes/no", "water_safe_for_drinking: t\n", "water_safe_for_drinking",
     "expected true or false, got 't'"),
    ("yes as a yes/no", "urban: yes\n", "urban", "expected true or false, got 'yes'"),
    ("1 as a yes/no", "staffing: {medical_staff_full_time: 1}\n",
     "staffing.medical_staff_full_time", "expected true or false, got 1"),
    ("a count as text", 'beds: "3"\n', "beds", "expected a whole number, got '3'"),
    ("a bare quantity as text", 'water_supply: "12000"\n', "water_supply",
     "text with its unit such as '12000 L/day'"),
    ("an angle as staffed hours", "staffing: {hours_per_week: 0.5 radian}\n",
     "staffing.hours_per_week", "an angle"),
    ("a text value of 20k characters", 'name: "' + "x" * 20_000 + '"\n', "name",
     "at most 10,000 characters"),
    ("a key of 20k characters", "x" * 20_000 + ": 1\n", "", "at most 10,000 characters"),
    ("alias bomb on a layout", alias_bomb("features"), "features", "once aliases are expanded"),
    ("layout coordinates nested 500 deep", "features: [{id: a, properties: {kind: latrine}, "
     "geometry: {type: Point, coordinates: " + "[" * DEEP + "]" * DEEP + "}}]\n", "features",
     "nested more than"),
    ("a 400-digit longitude", "features: [{id: a, properties: {kind: latrine}, geometry: "
     "{type: Point, coordinates: [" + "9" * 400 + ", 0]}}]\n", "features", "at most 32 digits"),
    ("a layout of 30k points", "features:\n" + "".join(
        f"  - {{id: P{i}, properties: {{kind: shower}}, geometry: {{type: Point, "
        f"coordinates: [{i}, 0]}}}}\n" for i in range(3_000)), "features",
     "holds more than 20,000 values"),
    ("a latitude past the pole", "features: [{id: a, properties: {kind: latrine}, geometry: "
     "{type: Point, coordinates: [10, 1e300]}}]\n", "features[0].geometry.coordinates",
     "latitude 1e+300 is outside"),
]

# (name, JSON site file text, the field the error names, a phrase of the error)
SITE_JSON: list[tuple[str, str, str, str]] = [
    ("duplicate JSON key", '{"beds": 1, "beds": 500}', "", "duplicate key 'beds'"),
    ("JSON nested 500 deep", '{"spaces": ' + "[" * DEEP + "]" * DEEP + "}", "spaces",
     "nested more than"),
    ("JSON nested 100k deep", '{"spaces": ' + "[" * 100_000 + "]" * 100_000 + "}", "",
     "nested more than"),
    ("400-digit JSON count", '{"beds": ' + "9" * 400 + "}", "", "at most 32 digits"),
    ("NaN in JSON", '{"water_supply": NaN}', "", "NaN is not JSON"),
    ("true as a JSON toilet", '{"toilets": {"female": true}}', "toilets.female",
     "expected a whole number"),
    ("a JSON string as a yes/no", '{"cold_climate": "false"}', "cold_climate",
     "expected true or false, got 'false'"),
    ("a JSON 0 as a yes/no", '{"meal_shifts": 0}', "meal_shifts", "expected true or false, got 0"),
    ("a JSON string as a count", '{"water_taps": "12"}', "water_taps",
     "expected a whole number, got '12'"),
]

# (name, JSON Lines row as bytes, a phrase of the row's error)
JSONL_ROWS: list[tuple[str, bytes, str]] = [
    ("a row that is not UTF-8", b'{"name": "\xff\xfe", "beds": 3}', "not UTF-8"),
    ("duplicate key in a row", b'{"beds": 1, "beds": 500}', "duplicate key 'beds'"),
    ("a row nested 300 deep", b'{"spaces": ' + b"[" * 300 + b"]" * 300 + b"}", "nested more than"),
    ("a 400-digit count in a row", b'{"beds": ' + b"9" * 400 + b"}", "at most 32 digits"),
    ("a row of 2 MB", b'{"name": "' + b"x" * 2_000_000 + b'"}', "a row is at most"),
]

# (name, rule `check:` text, a phrase of the error)
EXPRESSIONS: list[tuple[str, str, str]] = [
    ("an expression of 100k terms", " + ".join(["beds"] * 100_000) + " >= 0",
     "at most 10,000 characters"),
    ("an expression of 2k terms", "+".join(["1"] * 2_000) + " >= 0", "at most 2,000 characters"),
    ("900 nested unary operators", "-" * 900 + "beds >= 0", "nests at most"),
    ("900 nested parentheses", "(" * 900 + "beds" + ")" * 900 + " >= 0", "column"),
    ("450 nested negations", "-(" * 450 + "beds" + ")" * 450 + " >= 0", "column"),
    ("500 terms", "beds >= max(" + ", ".join(["1"] * 500) + ")", "at most 400 terms"),
    ("a sum of 60 terms", " + ".join(["beds"] * 60) + " >= 0", "nests at most 50"),
    ("900 nested nots", "not " * 450 + "beds >= 0", "nests at most"),
]
