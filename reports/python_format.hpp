#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace reports {

// Python's round(x, ndigits) for a float: the exact binary value rounded to
// ndigits decimals (half to even only on exact ties), read back as the
// nearest double; the sign of a zero result is kept (round(-0.04, 1) is
// -0.0). NaN and infinities are returned unchanged, and so is x when
// ndigits > 323, as in CPython.
double python_round(double x, unsigned ndigits);

// Python's repr(x) (and str(x)) for a float: the shortest digits that read
// back as x; positional when the decimal exponent is in [-5, 16) ("50.0",
// "0.0001", "-0.0"), else exponent form ("1e-05", "1e+16"); "nan", "inf",
// "-inf".
std::string python_float_repr(double x);

// format(text, "<width"): padded on the right with spaces to width
// characters, counted as Python does (code points of the UTF-8 text). Longer
// text is returned unchanged.
std::string python_align_left(std::string_view text, std::size_t width);

// format(text, "^width"), as f"{x : ^5}" pads: half the padding (rounded
// down) on the left, the rest on the right. str.center differs when both the
// padding and width are odd (it puts the extra space on the left).
std::string python_align_center(std::string_view text, std::size_t width);

} // namespace reports
