"""insar_hf.inference.boxes: boxes from a map, merging, IoU and map coordinates."""

import numpy as np
import pytest

from insar_hf.inference.attention import (
    normalise_map,
    upsample_map,
)
from insar_hf.inference.boxes import (
    Box,
    box_iou,
    boxes_from_map,
    boxes_to_map_coordinates,
    pixel_to_map,
    tight_iou,
)


def test_map_peaked_on_known_patch_gives_box_around_that_patch():
    grid = np.full((14, 14), 0.1, dtype=np.float32)
    grid[3, 9] = 1.0
    boxes = boxes_from_map(upsample_map(grid, 224), threshold=0.5)
    assert len(boxes) == 1
    b = boxes[0]
    # contains the patch's centre half and stays within one patch of its edges
    assert b.x_min <= 148 and b.x_max >= 156 and b.y_min <= 52 and b.y_max >= 60
    assert b.x_min >= 144 - 16 and b.x_max <= 160 + 16
    assert b.y_min >= 48 - 16 and b.y_max <= 64 + 16


def test_boxes_are_half_open_and_sorted_by_score():
    heat = np.zeros((50, 60), dtype=np.float32)
    heat[10:20, 5:15] = 1.0
    heat[30:40, 40:55] = 0.8
    boxes = boxes_from_map(heat, threshold=0.5, score="max", min_area=1)
    assert [b.as_list() for b in boxes] == [[5, 10, 15, 20], [40, 30, 55, 40]]
    assert [b.score for b in boxes] == pytest.approx([1.0, 0.8])


def test_mean_score_is_mean_of_normalised_map_in_component():
    heat = np.zeros((20, 20), dtype=np.float32)
    heat[2:4, 2:4] = [[1.0, 0.6], [0.6, 0.6]]
    (box,) = boxes_from_map(heat, threshold=0.5, score="mean", min_area=1)
    assert box.score == pytest.approx(0.7)


def _plateau_with_peaks():
    """A low plateau over the whole 100 x 100 map with two small peaks standing out of it."""
    heat = np.full((100, 100), 0.3, dtype=np.float32)
    heat[0, 0] = 0.0  # the plateau sits at 0.3 of the range, above a level of 0.1
    heat[10:20, 60:75] = 1.0
    heat[70:85, 20:30] = 0.8
    return heat


def test_a_region_over_half_the_map_is_split_into_the_parts_that_stand_out():
    boxes = boxes_from_map(_plateau_with_peaks(), threshold=0.1)
    assert [b.as_list() for b in boxes] == [[60, 10, 75, 20], [20, 70, 30, 85]]
    assert not any(b.flat for b in boxes)


def test_without_the_area_limit_the_plateau_gives_one_box_over_everything():
    (box,) = boxes_from_map(_plateau_with_peaks(), threshold=0.1, max_area_fraction=1.0)
    assert box.as_list() == [0, 0, 100, 100]


def test_a_map_flat_over_most_of_the_image_keeps_its_large_box_marked_flat():
    heat = np.zeros((100, 100), dtype=np.float32)
    heat[5:95, 10:90] = 1.0  # nothing inside stands out from the rest
    (box,) = boxes_from_map(heat, threshold=0.1)
    assert box.as_list() == [10, 5, 90, 95] and box.flat


def test_no_box_over_half_the_image_unless_marked_flat():
    rng = np.random.default_rng(0)
    for _ in range(20):
        heat = upsample_map(rng.random((14, 14), dtype=np.float32), 224)
        for b in boxes_from_map(heat, threshold=0.1, max_boxes=None):
            assert b.area <= 0.5 * 224 * 224 or b.flat


def test_the_best_box_holds_the_maps_maximum():
    heat = np.zeros((60, 60), dtype=np.float32)
    heat[5:25, 5:25] = 0.9  # a large bright region ...
    heat[40:44, 40:44] = 1.0  # ... and the small one that holds the maximum
    assert boxes_from_map(heat, threshold=0.5, min_area=1)[0].as_list() == [40, 40, 44, 44]


def test_tight_iou_is_one_for_the_true_box_and_near_zero_for_the_whole_image():
    truth = [40, 60, 120, 140]
    assert tight_iou(truth, truth, 224 * 224) == 1.0
    whole = tight_iou([0, 0, 224, 224], truth, 224 * 224)
    assert whole == pytest.approx(6400 / 224**2 - (224**2 - 6400) / 224**2)
    assert whole < 0 < tight_iou([60, 80, 100, 120], truth, 224 * 224)


def test_constant_map_gives_no_box_and_zero_normalised_map():
    assert boxes_from_map(np.ones((8, 8))) == []
    assert not normalise_map(np.ones((8, 8))).any()


def test_pixel_to_map_uses_gdal_geotransform_convention():
    gt = (500000.0, 30.0, 0.0, 4000000.0, 0.0, -30.0)
    xs, ys = pixel_to_map([0, 10], [0, 20], gt)
    np.testing.assert_allclose(xs, [500000.0, 500300.0])
    np.testing.assert_allclose(ys, [4000000.0, 3999400.0])


def test_image_box_maps_to_known_geographic_box_of_a_larger_source():
    gt = (500000.0, 30.0, 0.0, 4000000.0, 0.0, -30.0)
    boxes = [Box(0, 0, 112, 56, 1.0), [0, 0, 224, 224]]
    out = boxes_to_map_coordinates(boxes, gt, image_shape=(224, 224), source_shape=(448, 448))
    assert out[0] == pytest.approx([500000.0, 4000000.0 - 112 * 30, 500000.0 + 224 * 30, 4e6])
    assert out[1] == pytest.approx([500000.0, 4000000.0 - 448 * 30, 500000.0 + 448 * 30, 4e6])


def test_affine_geotransform_is_accepted():
    affine = pytest.importorskip("affine")
    transform = affine.Affine(10.0, 0.0, 100.0, 0.0, -10.0, 200.0)
    out = boxes_to_map_coordinates([[1, 2, 3, 4]], transform, image_shape=(8, 8))
    assert out[0] == pytest.approx([110.0, 160.0, 130.0, 180.0])


def test_box_iou_of_known_boxes():
    assert box_iou([0, 0, 10, 10], [5, 0, 15, 10]) == pytest.approx(50 / 150)
    assert box_iou([0, 0, 10, 10], [10, 10, 20, 20]) == 0.0
    assert box_iou([0, 0, 0, 0], [0, 0, 0, 0]) == 0.0


def test_padded_non_square_source_maps_image_box_into_the_array_only():
    gt = (0.0, 10.0, 0.0, 0.0, 0.0, -10.0)
    # 112 x 224 array padded by 56 rows top and bottom: image rows 56..168 hold the data
    out = boxes_to_map_coordinates([[0, 0, 224, 112]], gt, source_shape=(112, 224))
    assert out[0] == pytest.approx([0.0, -560.0, 2240.0, 0.0])
