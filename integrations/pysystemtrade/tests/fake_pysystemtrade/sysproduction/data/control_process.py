"""Fake of sysproduction/data/control_process.py: dataControlProcess, diagControlProcess and
get_list_of_strategies_for_process, with the real method names. A process with no document reads
as GO, like controlProcess's default."""

from _fakedb import call, load, save

possible_status = ["GO", "NO-RUN", "STOP", "PAUSE"]


class controlProcess(object):
    def __init__(self, status="GO", currently_running=False, process_id=0):
        assert status in possible_status
        self._status = status
        self._currently_running = currently_running
        self._process_id = process_id

    @property
    def status(self):
        return self._status

    @property
    def currently_running(self):
        return self._currently_running


class dictOfControlProcesses(dict):
    pass


class dataControlProcess(object):
    def __init__(self, data=None):
        self.data = data

    def get_dict_of_control_processes(self):
        db = load()
        return dictOfControlProcesses(
            {name: controlProcess(status=doc["status"]) for name, doc in db["process_control"].items()}
        )

    def _change(self, process_name, status):
        call("change_status_to_" + status, process_name)
        db = load()
        db["process_control"].setdefault(process_name, {})["status"] = status
        save(db)

    def change_status_to_stop(self, process_name: str):
        self._change(process_name, "STOP")

    def change_status_to_go(self, process_name: str):
        self._change(process_name, "GO")

    def change_status_to_no_run(self, process_name: str):
        self._change(process_name, "NO-RUN")

    def change_status_to_pause(self, process_name: str):
        self._change(process_name, "PAUSE")


class diagControlProcess(object):
    def __init__(self, data=None):
        self.data = data

    def get_control_for_process_name(self, process_name: str):
        doc = load()["process_control"].get(process_name)
        return controlProcess(status=doc["status"]) if doc else controlProcess()

    def get_list_of_methods_for_process_name(self, process_name: str) -> list:
        return list(load()["strategies"]) if process_name == "run_strategy_order_generator" else []


def get_list_of_strategies_for_process(data, process_name: str) -> list:
    return diagControlProcess(data).get_list_of_methods_for_process_name(process_name)
