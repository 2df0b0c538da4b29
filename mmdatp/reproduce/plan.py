"""What ``tools/reproduce.py`` trains and tests, at which scale, and what
it will cost (the ``--dry-run`` plan).

Per stream and seed, following the paper (Sec. 4.2) as
``tools/benchmark/key_action_benchmark.py`` does on synthetic video: a TSN
(the project's ``tsn_r34_<dataset>[_flow].py``) is trained; DATP
(``datp_tsn_r34_<dataset>[_flow].py``, i.e. the head and recipe of
``configs/_base_/models/datp_tsn_r34.py``) is fine-tuned from it
(InitFromTSNHook: backbone and classifier load, aux net fresh) as conv
K=1, conv K=2, discrete weights, and a uniform-weights control (the DATP
head with ``pooling='avg'``); stock TSN, the baseline, is the same TSN
trained as many more epochs with its own head, so every row has seen the
same data for the same epochs, but one: not the paper's protocol, conv
K=2 fine-tuned from the uniform model instead of the TSN (one more stage,
so it trains one fine-tuning longer than the baseline; InitFromTSNHook
also loads the uniform model's aux net, which avg pooling never trained,
so its mixture starts at the paper's initial values;
docs/en/benchmarks.md, "K=2 and the TSN it starts from"). :data:`ROWS`
are the testing schemes of Table 4.

Scales (:data:`SCALES`):

- ``paper``: short side 256, 224 crops, TV-L1 flow, N=10, ImageNet
  initialisation (``torchvision://resnet34``, from scratch with a warning
  when it cannot be fetched), the configs' schedules; for a GPU box.
- ``cpu``: short side 128, 112 crops, Farneback flow, ResNet-34 from
  scratch, sized so that the RGB stream of one seed of UCF101's first 9
  classes (873 train / 341 test clips) takes about an hour on 2 cores. A
  ResNet-34 train step at 112 took 0.159 CPU-seconds per image here
  (about 12.6 images/s on 2 free cores; 3.4 images/s measured while a
  frame extraction shared the cores), a test step about a third of that.
  The tests alone (135 segment passes per test clip at N=10) would take
  over 20 minutes, so: the TSN trains on 3 segments (TSN's own choice)
  for 6 epochs (without partial BN, which needs ImageNet statistics),
  every model started from it for 1 epoch on N=5 segments
  (DATP's N; its test rows use N=5), with AdamW at lr 1e-3, a linear
  warm-up over the TSN's first epoch, a cosine schedule and dropout 0.5
  (the configs' SGD at 0.001 with 30/60-of-80 steps and dropout 0.8 are
  for fine-tuning ImageNet weights; from scratch, SGD at 0.01 and 0.003
  made the training loss rise from 2.2 to 5 and 3 within 60 iterations,
  AdamW at 1e-3 brought it down). Stock TSN is still tested at N=10 and 25.
- ``test``: tiny sizes and 1 epoch, for the CI test (numbers
  meaningless).
"""
import math
from dataclasses import dataclass
from typing import Dict, List, NamedTuple, Optional, Tuple

#: the paper's late fusion weights (Sec. 4.2): spatial 1, temporal 1.5
FUSION_WEIGHTS = {'rgb': 1.0, 'flow': 1.5}
STREAMS = ('rgb', 'flow')


@dataclass(frozen=True)
class Scale:
    """The sizes, flow and schedule of a run.

    Args:
        name (str): 'paper', 'cpu' or 'test'.
        new_short (int): Short side of the extracted frames.
        crop (int): Training and testing crop.
        flow_type (str): 'tvl1' or 'farneback'.
        imagenet (bool): Start the TSN from ImageNet weights.
        tsn_segments (int, optional): Training segments of the TSN (and of
            its continuation); None keeps the config's.
        num_segments (int, optional): N of DATP (training and testing);
            None keeps the config's.
        base_segments (int): Test segments of the baseline row.
        long_segments (int): Test segments of the N=25 rows.
        tsn_epochs (dict, optional): Epochs of the TSN per stream; None
            keeps the config's schedule.
        finetune_epochs (dict, optional): Epochs of every model started
            from the TSN, per stream; None keeps the DATP config's.
        lr (float, optional): Learning rate (cosine schedule); None keeps
            the config's optimiser and schedule.
        batch_size (int, optional): Training videos per batch.
        test_batch_size (int, optional): Test videos per batch.
        max_frames (int, optional): Frames used per video (test scale).
        train_img_s (float): Training images per second (estimates).
        test_img_s (float): Test images per second (estimates).
        extract_frames_s (float): Frames extracted per second (estimates).
        bytes_per_frame (float): Disk per frame (RGB + flow pair).
        why (str): The choices in a sentence, for the table header.
        depth (int, optional): ResNet depth; None keeps the configs' 34
            (only the test scale changes it, to 18, to stay fast).
        adamw (bool): AdamW at ``lr`` (weight decay 1e-4) instead of SGD
            (with ``lr`` set).
        dropout (float, optional): Dropout of the classifier; None keeps
            the configs' (0.8 RGB, 0.7 flow, for ImageNet features).
    """
    name: str
    new_short: int
    crop: int
    flow_type: str
    imagenet: bool
    tsn_segments: Optional[int]
    num_segments: Optional[int]
    base_segments: int
    long_segments: int
    tsn_epochs: Optional[Dict[str, int]]
    finetune_epochs: Optional[Dict[str, int]]
    lr: Optional[float]
    batch_size: Optional[int]
    test_batch_size: Optional[int]
    max_frames: Optional[int]
    train_img_s: float
    test_img_s: float
    extract_frames_s: float
    bytes_per_frame: float
    why: str
    depth: Optional[int] = None
    adamw: bool = False
    dropout: Optional[float] = None

    @property
    def spatial_size(self) -> int:
        """h = w of ResNet's last feature map for ``crop`` inputs."""
        return math.ceil(self.crop / 32)


SCALES = {
    'paper': Scale(
        'paper', 256, 224, 'tvl1', True, None, None, 10, 25, None, None,
        None, None, None, None, train_img_s=800., test_img_s=2500.,
        extract_frames_s=150., bytes_per_frame=45e3,
        why='the configs\' schedules; for a GPU'),
    'cpu': Scale(
        'cpu', 128, 112, 'farneback', False, 3, 5, 10, 25,
        {'rgb': 6, 'flow': 6}, {'rgb': 1, 'flow': 1}, 1e-3, 8, 8, None,
        train_img_s=12.6, test_img_s=38., extract_frames_s=220.,
        bytes_per_frame=11.1e3, adamw=True, dropout=0.5,
        why='sized for about an hour per stream and seed of UCF101-9 on '
        '2 CPU cores: TSN on 3 segments (as TSN trains), DATP N=5, AdamW '
        'lr 1e-3 (SGD at 0.01 or 0.003 diverged from scratch), dropout '
        '0.5, cosine schedule'),
    'test': Scale(
        'test', 32, 32, 'farneback', False, 2, 3, 3, 4,
        {'rgb': 1, 'flow': 1}, {'rgb': 1, 'flow': 1}, 0.01, 2, 2, 12,
        train_img_s=100., test_img_s=300., extract_frames_s=200.,
        bytes_per_frame=3e3, depth=18,
        why='a smoke test with ResNet-18: numbers meaningless'),
}


class Model(NamedTuple):
    """A trained model: config kind, parent and head change."""
    kind: str  # 'tsn' (TSN config) or 'datp' (DATP config)
    parent: Optional[str]  # the model it starts from
    change: str  # '', 'k1', 'discrete', 'uniform'


MODELS = {
    'tsn': Model('tsn', None, ''),
    'tsn_more': Model('tsn', 'tsn', ''),
    'ft_conv_k1': Model('datp', 'tsn', 'k1'),
    'ft_conv_k2': Model('datp', 'tsn', ''),
    'ft_conv_discrete': Model('datp', 'tsn', 'discrete'),
    'ft_uniform': Model('datp', 'tsn', 'uniform'),
    # not the paper's protocol: K=2 from the uniform model (after it)
    'ft_conv_k2_from_uniform': Model('datp', 'ft_uniform', ''),
}


def depth(model: str) -> int:
    """How many models ``model`` starts from, up to the first (TSN)."""
    parent = MODELS[model].parent
    return 0 if parent is None else 1 + depth(parent)


def training_order(models: List[str]) -> List[str]:
    """``models`` with every parent before the models started from it."""
    return sorted(models, key=depth)  # stable: otherwise MODELS' order


class Row(NamedTuple):
    """A testing scheme of Table 4."""
    key: str  # stable id (JSON, file names)
    label: str  # {n}, {long}, {base} are filled in from the scale
    model: str
    pooling: Optional[str]  # None: as trained
    segments: Optional[str]  # 'base', 'long' or None (the model's N)


ROWS = [
    Row('tsn_base', 'stock TSN, mean logits, N={base}', 'tsn_more', None,
        'base'),
    Row('tsn_long', 'stock TSN, mean logits, N={long}', 'tsn_more', None,
        'long'),
    Row('p3', 'P3: TSN, average of softmax, N={long}', 'tsn_more', 'avg',
        'long'),
    Row('p2', 'P2: DATP (conv, K=2), average of softmax, N={long}',
        'ft_conv_k2', 'avg', 'long'),
    Row('p1', 'P1: DATP (conv, K=2), random 2 Gaussians, N={n}',
        'ft_conv_k2', 'random', None),
    Row('datp_k1', 'DATP conv features, K=1, N={n}', 'ft_conv_k1', 'datp',
        None),
    Row('datp_k2', 'DATP conv features, K=2, N={n}', 'ft_conv_k2', 'datp',
        None),
    Row('datp_discrete', 'DATP conv features, discrete, N={n}',
        'ft_conv_discrete', 'datp', None),
    Row('uniform', 'uniform weights (DATP head fine-tuned with avg), N={n}',
        'ft_uniform', None, None),
    Row('datp_k2_from_uniform',
        'DATP conv features, K=2, from the uniform model, N={n}',
        'ft_conv_k2_from_uniform', 'datp', None),
]
BASELINE = 'tsn_base'


def row_label(row: Row, scale: Scale, n: int) -> str:
    """The row's label with its numbers of segments."""
    return row.label.format(n=n, base=scale.base_segments,
                            long=scale.long_segments)


def row_segments(row: Row, scale: Scale, n: int) -> int:
    """Test segments of ``row``."""
    return {'base': scale.base_segments, 'long': scale.long_segments,
            None: n}[row.segments]


def epochs(scale: Scale, model: str, stream: str,
           config_epochs: Tuple[int, int]) -> int:
    """Training epochs of ``model``; ``config_epochs`` are the TSN and
    DATP configs' (used when the scale keeps them)."""
    first = MODELS[model].parent is None
    table = scale.tsn_epochs if first else scale.finetune_epochs
    if table is None:
        return config_epochs[0] if first else config_epochs[1]
    return table[stream]


class Estimate(NamedTuple):
    """Time (s) and disk (bytes) of one stage."""
    seconds: float
    bytes: float


def estimate(scale: Scale, stage: str, num_train: int, num_test: int,
             num_frames: int, streams: Tuple[str, ...], seeds: int,
             config_epochs: Dict[str, Tuple[int, int]], n: int) -> Estimate:
    """Rough time and disk of ``stage`` (see :data:`STAGES`).

    Args:
        scale (Scale): The scale.
        stage (str): A stage name.
        num_train (int): Training clips.
        num_test (int): Test clips.
        num_frames (int): Frames of all clips (to extract).
        streams (tuple[str]): 'rgb' and/or 'flow'.
        seeds (int): Number of seeds.
        config_epochs (dict): stream -> (TSN, DATP) epochs of the configs.
        n (int): DATP's N.

    Returns:
        Estimate: seconds and bytes.
    """
    if stage == 'frames':
        return Estimate(num_frames / scale.extract_frames_s,
                        num_frames * scale.bytes_per_frame)
    if stage == 'lists':
        return Estimate(1.0, 1e6)
    ckpt = 180e6  # ResNet-34 weights and SGD momentum
    seconds, size = 0.0, 0.0
    for stream in streams:
        slow = 1.0 if stream == 'rgb' else 1.15  # 5 flow pairs per segment
        if stage in ('tsn', 'datp'):
            models = [m for m, spec in MODELS.items()
                      if (spec.parent is None) == (stage == 'tsn')]
            for m in models:
                segs = n if MODELS[m].kind == 'datp' else \
                    (scale.tsn_segments or n)
                images = num_train * segs * epochs(
                    scale, m, stream, config_epochs[stream])
                seconds += slow * images / scale.train_img_s
                size += ckpt
        elif stage == 'test':
            segs = sum(row_segments(r, scale, n) for r in ROWS)
            seconds += slow * num_test * segs / scale.test_img_s
            size += len(ROWS) * num_test * 2e3
    if stage in ('fusion', 'table'):
        return Estimate(5.0 if stage == 'fusion' else 30.0, 2e6)
    return Estimate(seconds * seeds, size * seeds)


#: the stages in order: (name, what it does)
STAGES = [
    ('frames', 'RGB frames and optical flow into W/rawframes'),
    ('lists', 'rawframes and flow file lists into W/lists'),
    ('tsn', 'TSN per stream and seed'),
    ('datp', 'models fine-tuned from the TSN: stock TSN continued, DATP '
     'conv K=1 / K=2 / discrete, uniform weights; then K=2 from the '
     'uniform model'),
    ('test', 'the testing schemes of Table 4, scores dumped per video'),
    ('fusion', 'two-stream fusion 1:1.5 (RGB:flow) of every row'),
    ('table', 'Table 4 (markdown + JSON) and figures'),
]


def format_duration(seconds: float) -> str:
    """'1h 05m', '12m 30s' or '45s'."""
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f'{seconds // 3600}h {seconds % 3600 // 60:02d}m'
    if seconds >= 60:
        return f'{seconds // 60}m {seconds % 60:02d}s'
    return f'{seconds}s'


def format_bytes(num: float) -> str:
    """'1.2 GB', '340 MB'."""
    for unit, size in (('GB', 1e9), ('MB', 1e6), ('kB', 1e3)):
        if num >= size:
            return f'{num / size:.1f} {unit}'
    return f'{int(num)} B'


def check_choices(streams: List[str], seeds: int, first_seed: int) -> None:
    """Validate the stream and seed arguments (ValueError)."""
    bad = [s for s in streams if s not in STREAMS]
    if bad or not streams:
        raise ValueError(f'--streams must be some of {list(STREAMS)}, got '
                         f'{streams}')
    if seeds < 1 or first_seed < 0:
        raise ValueError(f'--seeds must be >= 1 and --first-seed >= 0, got '
                         f'{seeds} and {first_seed}')
