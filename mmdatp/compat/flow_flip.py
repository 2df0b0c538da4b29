"""Stack fix FLOWFLIP: MMAction2 1.2.0's ``Flip`` on stacked flow frames.

A horizontal flip of a flow field mirrors it and negates its x component;
on TSN's quantised flow (``q = (f + 20) / 40 * 255``) negating x is
``255 - q_x``, and y stays as it is.

MMAction2 1.2.0's ``RawFrameDecode`` loads a Flow clip as one (H, W, 2)
array per frame (x and y stacked), but ``Flip._flip_imgs`` still expects
the older layout of alternating x and y images: it inverts every other
*array*, i.e. both x and y of frames 0, 2, 4, ... and neither of frames
1, 3, 5, ... So half of the flipped clips' frames have y negated and the
other half keep x unnegated: the flipped clips the flow stream trains on
are wrong (about half of all training clips with ``flip_ratio=0.5``).
The lazy path (``Flip(lazy=True)`` then ``Fuse``) mirrors flow frames and
never negates x.

:func:`flow_flip_defect` runs the installed ``Flip`` and ``Fuse`` on a
two-frame stacked clip and reports either defect; :func:`fix_flow_flip`
replaces ``Flip._flip_imgs`` with one that negates x on every stacked frame
(the old layout, 2-D x and y images alternating, is flipped as before) and
wraps ``Fuse.transform`` to negate x after a lazy flip of a Flow clip.
"""
import numpy as np

#: the quantised value of zero flow's mirror image: 255 - q
_MAX = 255


def _flip_imgs_fixed(self, imgs, modality):
    """``Flip._flip_imgs`` that negates x on every stacked flow frame."""
    import mmcv
    for i, img in enumerate(imgs):
        mmcv.imflip_(img, self.direction)  # in place, as MMAction2 does
        if modality == 'Flow':
            if img.ndim == 3 and img.shape[-1] == 2:  # (H, W, [x, y])
                np.subtract(_MAX, img[..., 0], out=img[..., 0])
            elif i % 2 == 0:  # the old layout: x, y, x, y, ... images
                imgs[i] = mmcv.iminvert(img)
    return imgs


def _negate_x(imgs):
    """Negate the x flow of a flipped Flow clip, in either layout."""
    for i, img in enumerate(imgs):
        if img.ndim == 3 and img.shape[-1] == 2:
            np.subtract(_MAX, img[..., 0], out=img[..., 0])
        elif i % 2 == 0:
            np.subtract(_MAX, img, out=img)
    return imgs


def _wrap_fuse(transform):
    """``Fuse.transform`` that negates x after a lazy flip of Flow."""
    if getattr(transform, '_mmdatp_flow_flip', False):
        return transform

    def fuse_transform(self, results):
        flip = bool(results.get('lazy', {}).get('flip', False))
        results = transform(self, results)
        if flip and results.get('modality') == 'Flow':
            _negate_x(results['imgs'])
        return results

    fuse_transform._mmdatp_flow_flip = True
    fuse_transform.__doc__ = transform.__doc__
    return fuse_transform


def _flipped_clip(lazy: bool):
    """Flip a 2-frame stacked flow clip (1x2 px) with MMAction2."""
    from mmaction.datasets.transforms import Flip, Fuse
    frame = np.array([[[10, 20], [30, 40]]], dtype=np.uint8)  # (1, 2, 2)
    results = dict(imgs=[frame.copy(), frame.copy()], modality='Flow',
                   img_shape=(1, 2), original_shape=(1, 2))
    if not lazy:
        return Flip(flip_ratio=1.0).transform(results)['imgs']
    results['lazy'] = dict(original_shape=(1, 2), crop_bbox=np.array(
        [0, 0, 2, 1]), flip=False, flip_direction=None, interpolation=None)
    results = Flip(flip_ratio=1.0, lazy=True).transform(results)
    return Fuse().transform(results)['imgs']


def flow_flip_defect() -> bool:
    """Whether the installed ``Flip`` / ``Fuse`` mis-flip stacked flow."""
    expected = np.array([[[_MAX - 30, 40], [_MAX - 10, 20]]], np.uint8)
    return any(not np.array_equal(img, expected)
               for lazy in (False, True) for img in _flipped_clip(lazy))


def fix_flow_flip() -> str:
    """Replace ``Flip._flip_imgs``, wrap ``Fuse.transform`` (module doc)."""
    from mmaction.datasets.transforms import Flip, Fuse
    Flip._flip_imgs = _flip_imgs_fixed
    Fuse.transform = _wrap_fuse(Fuse.transform)
    return ("mmaction's Flip inverted x and y of every other stacked Flow "
            'frame and its lazy Fuse negated none: both now negate x '
            '(255 - x) of every frame')
