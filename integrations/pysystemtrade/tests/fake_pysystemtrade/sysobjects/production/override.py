"""Fake of sysobjects/production/override.py: Override with the same values and named objects
(1.0 none, 0.0 Close, -1.0 No trading, -2.0 Reduce only, (0,1) scale down)."""


class _named_object(object):
    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return self._name


override_close = _named_object("Close")
override_no_trading = _named_object("No trading")
override_reduce_only = _named_object("Reduce only")
override_none = _named_object("No override")
override_dict = {override_close: 0.0, override_none: 1.0, override_no_trading: -1.0, override_reduce_only: -2.0}


def lookup_value_and_return_float_or_object(value):
    for key, v in override_dict.items():
        if v == value:
            return key
    return value


class Override(object):
    def __init__(self, value):
        if value in override_dict.keys():
            self._override = value
        elif isinstance(value, (float, int)):
            assert 0.0 <= value <= 1.0
            self._override = float(value)
        else:
            raise Exception("Override must be between 0.0 and 1.0, or one of %s" % str(override_dict))

    @property
    def override_value(self):
        return self._override

    def as_numeric_value(self):
        v = self._override
        return override_dict[v] if v in override_dict else v

    def is_no_override(self):
        return self._override is override_none or self._override == 1.0

    @classmethod
    def from_numeric_value(cls, value):
        return cls(lookup_value_and_return_float_or_object(value))

    def __repr__(self):
        return "Override %s" % str(self._override)


DEFAULT_OVERRIDE = Override(1.0)
NO_TRADE_OVERRIDE = Override(override_no_trading)
REDUCE_ONLY_OVERRIDE = Override(override_reduce_only)
CLOSE_OVERRIDE = Override(override_close)
