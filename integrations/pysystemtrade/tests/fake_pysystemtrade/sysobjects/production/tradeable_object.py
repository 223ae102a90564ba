"""Fake of sysobjects/production/tradeable_object.py (instrumentStrategy)."""


class instrumentStrategy(object):
    def __init__(self, strategy_name: str, instrument_code: str):
        self.strategy_name = strategy_name
        self.instrument_code = instrument_code

    @property
    def key(self):
        return self.strategy_name + "/" + self.instrument_code
