# Stage 1 of "K=2 from the uniform model", an option that is not the paper's
# protocol (docs/en/benchmarks.md, "K=2 from the uniform model"): the DATP
# head with uniform weights (pooling='avg': the loss is on the log of the
# mean segment softmax, so every segment that scores the true class gains),
# fine-tuned from the TSN. datp_tsn_r34_hmdb51_from_uniform.py then
# fine-tunes the paper's model (conv aux net, K=2) from it instead of from
# the TSN; the option costs one more fine-tuning run.
#   python tools/train.py configs/tsn_r34_hmdb51.py
#   python tools/train.py configs/datp_tsn_r34_hmdb51_uniform.py
#   python tools/train.py configs/datp_tsn_r34_hmdb51_from_uniform.py
_base_ = ['./datp_tsn_r34_hmdb51_from_tsn.py']

# avg pooling regresses nothing: no aux net to carry along
model = dict(cls_head=dict(pooling='avg', aux_net=None))
