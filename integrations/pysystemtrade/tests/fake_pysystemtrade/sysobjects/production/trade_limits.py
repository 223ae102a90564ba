"""Fake of sysobjects/production/trade_limits.py (tradeLimit: the attributes the actuator reads)."""


class tradeLimit(object):
    def __init__(self, trade_limit, instrument_strategy, period_days=1, trades_since_last_reset=0):
        self._trade_limit = int(trade_limit)
        self._instrument_strategy = instrument_strategy
        self._period_days = period_days
        self._trades_since_last_reset = trades_since_last_reset

    @property
    def instrument_strategy(self):
        return self._instrument_strategy

    @property
    def trade_limit(self):
        return self._trade_limit

    @property
    def period_days(self):
        return self._period_days
