"""A small Adaptive Card 1.5 schema check: every card Safekeep sends declares version 1.5 and
uses only elements, inputs and actions that 1.5 defines, each with its required properties and
only the properties (and values) the schema allows for it."""

from __future__ import annotations

from typing import Any

COMMON = {"type", "id", "spacing", "separator", "isVisible", "height", "requires", "fallback"}
INPUT = COMMON | {"label", "isRequired", "errorMessage", "value"}
# element type -> (required properties, other allowed properties)
ELEMENTS: dict[str, tuple[set[str], set[str]]] = {
    "TextBlock": (
        {"text"},
        COMMON
        | {"wrap", "weight", "size", "color", "isSubtle", "maxLines", "horizontalAlignment"}
        | {"fontType", "style"},
    ),
    "Input.Text": (
        {"id"},
        INPUT | {"isMultiline", "maxLength", "placeholder", "style", "regex", "inlineAction"},
    ),
    "Input.ChoiceSet": ({"id", "choices"}, INPUT | {"isMultiSelect", "style", "placeholder"}),
    "Input.Date": ({"id"}, INPUT | {"min", "max", "placeholder"}),
    "Input.Time": ({"id"}, INPUT | {"min", "max", "placeholder"}),
    "Input.Toggle": ({"id", "title"}, INPUT | {"valueOn", "valueOff", "wrap"}),
}
ACTIONS: dict[str, tuple[set[str], set[str]]] = {
    "Action.Submit": (
        set(),
        {"type", "id", "title", "iconUrl", "style", "data", "associatedInputs", "isEnabled"},
    ),
    "Action.Execute": (
        set(),
        {"type", "id", "title", "iconUrl", "style", "data", "verb", "associatedInputs"},
    ),
    "Action.OpenUrl": ({"url"}, {"type", "id", "title", "iconUrl", "style"}),
}
ENUMS = {
    "weight": {"default", "lighter", "bolder"},
    "size": {"default", "small", "medium", "large", "extraLarge"},
    "color": {"default", "dark", "light", "accent", "good", "warning", "attention"},
    "spacing": {"none", "small", "default", "medium", "large", "extraLarge", "padding"},
}
ACTION_STYLES = {"default", "positive", "destructive"}
CHOICE_STYLES = {"compact", "expanded", "filtered"}
TEXT_STYLES = {"text", "tel", "url", "email", "password"}


def check_card(card: dict[str, Any]) -> None:
    assert card.get("type") == "AdaptiveCard", card
    assert card.get("version") == "1.5", card.get("version")
    assert card.get("$schema") == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert set(card) <= {"type", "version", "$schema", "body", "actions", "fallbackText"}, card
    body = card.get("body") or []
    assert body, "a card shows something"
    ids: list[str] = []
    for element in body:
        check_element(element)
        if "id" in element:
            ids.append(element["id"])
    assert len(ids) == len(set(ids)), f"repeated ids: {ids}"
    for action in card.get("actions") or []:
        check_action(action)


def check_element(element: dict[str, Any]) -> None:
    kind = element.get("type")
    assert kind in ELEMENTS, f"unknown element {kind}"
    required, allowed = ELEMENTS[kind]
    missing = required - set(element)
    assert not missing, f"{kind} misses {missing}: {element}"
    extra = set(element) - required - allowed
    assert not extra, f"{kind} has unknown properties {extra}"
    for name, values in ENUMS.items():
        if name in element:
            assert element[name] in values, f"{kind}.{name} = {element[name]!r}"
    if kind == "TextBlock":
        assert isinstance(element["text"], str) and element["text"].strip(), element
    if kind.startswith("Input."):
        assert isinstance(element["id"], str) and element["id"]
        if "value" in element:
            assert isinstance(element["value"], str), element
    if kind == "Input.ChoiceSet":
        assert element["choices"], element
        for choice in element["choices"]:
            assert set(choice) == {"title", "value"}, choice
            assert all(isinstance(v, str) and v for v in choice.values()), choice
        assert element.get("style", "compact") in CHOICE_STYLES
    if kind == "Input.Text":
        assert element.get("style", "text") in TEXT_STYLES
    if kind == "Input.Date" and element.get("value"):
        assert len(element["value"]) == 10 and element["value"][4] == "-", element
    if kind == "Input.Time" and element.get("value"):
        assert len(element["value"]) == 5 and element["value"][2] == ":", element


def check_action(action: dict[str, Any]) -> None:
    kind = action.get("type")
    assert kind in ACTIONS, f"unknown action {kind}"
    required, allowed = ACTIONS[kind]
    assert not required - set(action), action
    assert not set(action) - required - allowed, f"{kind} has unknown properties: {action}"
    assert isinstance(action.get("title"), str) and action["title"], action
    assert action.get("style", "default") in ACTION_STYLES, action
    if "data" in action:
        assert isinstance(action["data"], dict), action
