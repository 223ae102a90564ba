"""Fake of sysproduction/data/controls.py: updateOverrides, diagOverrides (db_override_data) and
dataTradeLimits, with the real method names. Like mongoOverrideData, setting an override to 1.0
deletes it; like tradeLimitData, a limit is set per instrument-strategy key and period."""

from _fakedb import call, load, save
from sysobjects.production.override import Override
from sysobjects.production.trade_limits import tradeLimit
from sysobjects.production.tradeable_object import instrumentStrategy


class _overrideData(object):
    def _update_override(self, dict_name, key, new_override):
        call("update_override", dict_name, key, new_override.as_numeric_value())
        db = load()
        value = float(new_override.as_numeric_value())
        if value == 1.0:
            db["overrides"][dict_name].pop(key, None)
        else:
            db["overrides"][dict_name][key] = value
        save(db)

    def get_dict_of_all_overrides(self) -> dict:
        o = load()["overrides"]
        out = {}
        for dict_name in ("strategies", "strategies_instruments", "instruments"):
            for k, v in o[dict_name].items():
                out[k] = Override.from_numeric_value(v)
        return out


class diagOverrides(object):
    def __init__(self, data=None):
        self.data = data

    @property
    def db_override_data(self):
        return _overrideData()


class updateOverrides(object):
    def __init__(self, data=None):
        self.data = data

    def update_override_for_strategy(self, strategy_name: str, new_override: Override):
        _overrideData()._update_override("strategies", strategy_name, new_override)

    def update_override_for_instrument_strategy(self, instrument_strategy, new_override):
        _overrideData()._update_override("strategies_instruments", instrument_strategy.key, new_override)

    def update_override_for_instrument(self, instrument_code: str, new_override: Override):
        _overrideData()._update_override("instruments", instrument_code, new_override)


class dataTradeLimits(object):
    def __init__(self, data=None):
        self.data = data

    def get_all_limits(self) -> list:
        out = []
        for key, by_period in load()["trade_limits"].items():
            strategy, _, instrument = key.partition("/")
            for period, limit in by_period.items():
                out.append(tradeLimit(limit, instrumentStrategy(strategy, instrument), period_days=int(period)))
        return out

    def update_instrument_limit_with_new_limit(self, instrument_code: str, period_days: int, new_limit: int):
        call("update_instrument_limit_with_new_limit", instrument_code, period_days, new_limit)
        assert new_limit >= 0
        db = load()
        db["trade_limits"].setdefault("/" + instrument_code, {})[str(period_days)] = int(new_limit)
        save(db)

    def reset_instrument_limit(self, instrument_code: str, period_days: int):
        call("reset_instrument_limit", instrument_code, period_days)
