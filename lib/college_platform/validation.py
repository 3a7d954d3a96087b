"""Marshmallow at every boundary: one way to turn a schema failure into an
``InvalidInput`` carrying the field errors, each with a stable code of its
kind (``field_errors``), so a client can word it in its own language."""
import inspect
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from college_platform.errors import InvalidInput

MAX_PAGE_SIZE = 200
# far beyond any list of the college, and within the database's 8-byte skip
MAX_OFFSET = 1_000_000_000
EMPTY_FILTER = "Must not be empty: leave the filter out to list every row."
PAGE_PARAMETERS = ("offset", "limit", "sort")  # the rest of a list's query are filters


class WholeNumber(fields.Integer):
    """An integer as JSON and the API's document have it: 3 and 3.0 alike, never
    2.5, which marshmallow's Integer would take as 2."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


class PageQuerySchema(Schema):
    """``offset`` and ``limit`` of a list call; services extend it with filters
    and, for long lists, a ``sort`` made with ``sort_by``."""

    class Meta:
        unknown = EXCLUDE

    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))

    @pre_load
    def no_empty_filter(self, data: Any, **kwargs: Any) -> Any:
        """A filter given empty (``?enterprise_id=``, or a scope the caller set
        to None) is refused: the services drop a filter that is None, so it
        would list every row instead of none. Left out, it lists every row."""
        if not isinstance(data, dict):
            return data
        empty = [name for name, value in data.items()
                 if name in self.fields and name not in PAGE_PARAMETERS
                 and (value is None or value == "")]
        if empty:
            raise ValidationError({name: [EMPTY_FILTER] for name in empty})
        return data


def sort_by(*names: str) -> fields.String:
    """A ``sort`` query field: ``name`` ascending or ``-name`` descending,
    one of ``names`` only, so a client cannot sort on an unindexed secret."""
    allowed = tuple(names) + tuple("-" + name for name in names)
    return fields.String(load_default=None, validate=validate.OneOf(
        allowed, error="Sort by one of: %s (prefix - for descending)." % ", ".join(names)),
        metadata={"description": "Sort order: one of %s; prefix - for descending."
                  % ", ".join(names)})


class JsonBoolean(fields.Boolean):
    """A JSON body's true or false, nothing else: marshmallow's Boolean also
    takes 0, 1, "yes" and the like, which the API's document does not admit."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def load(schema: Schema, payload: object, **kwargs: Any) -> Any:
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object",
                           errors={"_schema": ["Expected a JSON object."]})
    try:
        return schema.load(payload, **kwargs)
    except ValidationError as exc:
        raise InvalidInput("the input has invalid fields", errors=exc.messages,
                           field_errors=field_errors(exc.messages, schema))


# -- the code of each field error ------------------------------------------------------
#
# Marshmallow words its errors but does not say their kind, so the kind is found
# from the message: among the templates of the failing field (its own wording
# included) when the schema is at hand, else among marshmallow's defaults. The
# codes are marshmallow's error kinds (``required``, ``null``, ``invalid``,
# ``unknown``, ``type``, ...) and its validators' names (``length``, ``range``,
# ``one_of``, ``regexp``, ...); a message of a schema's or a service's own rule
# is ``invalid``, its text saying which rule.

PARAMETERS = ("min", "max", "equal", "choices")
CUSTOM_KINDS = {EMPTY_FILTER: "empty"}
# a validator's kind from its class name: OneOf -> one_of
VALIDATOR_KIND = re.compile(r"(?<!^)(?=[A-Z])")
# (the pattern of a message template, the code of its kind)
Templates = list[tuple[re.Pattern[str], str]]


def _kind_of_validator(validator: validate.Validator) -> str:
    return VALIDATOR_KIND.sub("_", type(validator).__name__).lower()


def _field_kind(key: str) -> str:
    return "invalid" if key == "validator_failed" else key


def _pattern(template: str) -> re.Pattern[str] | None:
    """A message template (``Length must be between {min} and {max}.``) as a
    regular expression that captures its parameters."""
    parts = re.split(r"\{(\w+)\}", template)
    if not any(parts[0::2]):
        return None  # all placeholder: it would match any message
    regex, seen = "", set[str]()
    for index, part in enumerate(parts):
        if index % 2 == 0:
            regex += re.escape(part)
        elif part in seen:
            regex += ".+?"
        else:
            seen.add(part)
            # a number, a date or a word (``{awareness}``, ``{obj_type}``) has no
            # space; a list of choices and a caller's input may have
            regex += "(?P<%s>%s)" % (part, ".+?" if part in ("choices", "input") else r"\S+?")
    return re.compile(regex + r"\Z", re.S)


def _validator_templates(validator: validate.Validator) -> list[tuple[str, str]]:
    kind = _kind_of_validator(validator)
    names = [name for name in dir(validator) if name == "error" or name.startswith("message_")]
    return [(getattr(validator, name), kind) for name in names
            if isinstance(getattr(validator, name), str)]


def _default_templates() -> Templates:
    """The validators' before the fields': where their words are the same
    ("Must be one of: {choices}." of ``OneOf`` and of ``Enum``, which calls it
    ``unknown``), the validator's kind is the one a client can act on."""
    templates = [(message, kind) for message, kind in CUSTOM_KINDS.items()]
    for validator in (validate.Length(min=0, max=1), validate.Length(equal=1),
                      *(validate.Range(min=0, max=1, min_inclusive=low, max_inclusive=high)
                        for low in (True, False) for high in (True, False)),
                      validate.OneOf(()), validate.NoneOf(()), validate.ContainsOnly(()),
                      validate.ContainsNoneOf(()), validate.Equal(0), validate.Regexp(""),
                      validate.Email(), validate.URL()):
        templates += _validator_templates(validator)
    for _, cls in inspect.getmembers(fields, inspect.isclass):
        if issubclass(cls, fields.Field):
            for key, message in getattr(cls, "default_error_messages", {}).items():
                templates.append((message, _field_kind(key)))
    templates += [(message, key) for key, message in Schema._default_error_messages.items()]
    return _compiled(templates)


def _compiled(templates: Sequence[tuple[Any, str]]) -> Templates:
    """The templates as patterns, those with the most fixed text first, so
    "between {min} and {max}" is tried before "{min}" alone."""
    compiled = []
    for template, kind in templates:
        pattern = _pattern(template)
        if pattern is not None:
            fixed = len(re.sub(r"\{\w+\}", "", template))
            compiled.append((fixed, pattern, kind))
    return [(pattern, kind) for _, pattern, kind in
            sorted(compiled, key=lambda entry: -entry[0])]


DEFAULT_TEMPLATES = _default_templates()


def _field_templates(field: fields.Field) -> Templates:
    templates = [(message, _field_kind(key)) for key, message in field.error_messages.items()]
    for validator in getattr(field, "validators", ()):
        templates += _validator_templates(validator)
    return _compiled(templates)


def _field_at(schema: Schema, path: Sequence[str]) -> fields.Field | None:
    """The field a path of error keys names (``milestones.0.weight``), or None."""
    field, keys = None, list(path)
    current: Schema | fields.Field = schema
    while keys:
        key = keys.pop(0)
        if isinstance(current, Schema) and key.isdigit() and getattr(field, "many", False):
            continue  # an item of a Nested(many=True)
        if isinstance(current, Schema):
            by_key = {(f.data_key or name): f for name, f in current.fields.items()}
            field = by_key.get(key)
        elif isinstance(current, fields.List) and key.isdigit():
            field = current.inner
        elif isinstance(current, fields.Dict) and keys and keys[0] in ("key", "value"):
            field = current.key_field if keys.pop(0) == "key" else current.value_field
        else:
            return None
        if field is None:
            return None
        current = field.schema if isinstance(field, fields.Nested) else field
    return field


def classify(message: str, field: fields.Field | None = None) -> tuple[str, dict[str, Any]]:
    """``(code, params)`` of one error message, ``field`` the field it is about
    when known (its own wording then counts)."""
    candidates = (_field_templates(field) if field is not None else []) + DEFAULT_TEMPLATES
    for pattern, kind in candidates:
        found = pattern.match(message)
        if found:
            params = {name: value for name, value in found.groupdict().items()
                      if name in PARAMETERS}
            if "choices" in params:
                params["choices"] = params["choices"].split(", ")
            if kind == "range":  # Range words a bound it excludes "greater than"
                for bound, words in (("min", "greater than "), ("max", "less than ")):
                    if bound in params and words + params[bound] in message:
                        params[bound + "_exclusive"] = True
            return kind, params
    return "invalid", {}


def _flat(messages: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flat(value, path + (str(key),))
    elif isinstance(messages, (list, tuple)):
        for message in messages:
            if isinstance(message, (dict, list, tuple)):
                yield from _flat(message, path)
            else:
                yield path, str(message)
    else:
        yield path, str(messages)


def field_errors(messages: Mapping[str, Any] | list[Any] | str | None,
                 schema: Schema | None = None) -> list[dict[str, Any]]:
    """Each field error of ``messages`` (marshmallow's nested ``errors``) as
    ``{"field": "milestones.0.weight", "code": "range", "message": "...",
    "params": {"min": "1"}}``: the code is the error's kind, ``params`` what
    its message names (``min``, ``max``, ``equal``, ``choices``)."""
    found = []
    for path, message in _flat(messages or {}):
        field = _field_at(schema, path) if schema is not None and path else None
        code, params = classify(message, field)
        error: dict[str, Any] = {"field": ".".join(path) or "_schema", "code": code,
                                 "message": message}
        if params:
            error["params"] = params
        found.append(error)
    return found


def describe_errors(messages: Mapping[str, Any] | list[Any] | str | None) -> str:
    """Field errors as one line a person reads where no client words them
    (a dead letter's reason): ``time: Not a valid datetime.; data.title: ...``."""
    return "; ".join("%s: %s" % (".".join(path) or "_schema", message)
                     for path, message in _flat(messages or {}))
