"""Dataset preparation: official splits, frames, optical flow, file lists.

Used by ``tools/data/build_rawframes.py`` and ``tools/data/build_file_list.py``
(see README, "Prepare HMDB51"). Not imported by ``mmdatp.datasets``, so
``import mmdatp`` does not pay for it; OpenCV is imported inside the
functions that need it.
"""
from .extract import (ExtractInterrupted, ExtractSummary, VideoJob,
                      default_num_workers, extract_videos, find_videos)
from .extract_spec import TASKS, ExtractSpec
from .file_lists import (LIST_FORMATS, count_frames, list_file_name,
                         make_list_lines, write_file_lists)
from .flow import (FLOW_BACKENDS, FLOW_BOUND, FLOW_TYPES, TorchFlow,
                   available_devices, build_flow_fn, check_device,
                   dequantize_flow, quantize_flow)
from .frames import ResizeSpec, VideoReadError, read_frames, write_jpeg
from .rawframe_dir import (MARKER, extract_video, needed_modalities,
                           read_marker, recover)
from .splits import (DATASETS, Split, VideoEntry, kinetics_class_dir,
                     parse_hmdb51_splits, parse_kinetics_splits,
                     parse_splits, parse_ucf101_splits)

__all__ = [
    'DATASETS', 'FLOW_BACKENDS', 'FLOW_BOUND', 'FLOW_TYPES', 'LIST_FORMATS',
    'MARKER', 'TASKS', 'ExtractInterrupted', 'ExtractSpec', 'ExtractSummary',
    'ResizeSpec', 'Split', 'TorchFlow', 'VideoEntry', 'VideoJob',
    'VideoReadError', 'available_devices', 'build_flow_fn', 'check_device',
    'count_frames', 'default_num_workers', 'dequantize_flow',
    'extract_video', 'extract_videos', 'find_videos', 'kinetics_class_dir',
    'list_file_name', 'make_list_lines', 'needed_modalities',
    'parse_hmdb51_splits', 'parse_kinetics_splits', 'parse_splits',
    'parse_ucf101_splits', 'quantize_flow', 'read_frames', 'read_marker',
    'recover', 'write_file_lists', 'write_jpeg'
]
