"""Fake of sysdata/data_blob.py: only the constructor signature the actuator uses."""


class dataBlob(object):
    def __init__(self, class_list=None, log_name="", csv_data_paths=None, parquet_store_path=None,
                 ib_conn=None, mongo_db=None, log=None, keep_original_prefix=False):
        self.log_name = log_name

    def close(self):
        pass
