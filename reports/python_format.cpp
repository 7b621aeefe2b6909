#include <reports/alpaca_eval_metrics.hpp>
#include <reports/python_format.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace reports {

double
python_round(double x, unsigned ndigits)
{
  if (!std::isfinite(x) || ndigits > 323) {
    return x;
  }
  // glibc's printf rounds the exact binary value correctly (to even on exact
  // ties) and strtod reads back the nearest double: CPython's _Py_dg_dtoa
  // mode 3 followed by _Py_dg_strtod.
  const int precision = static_cast<int>(ndigits);
  const int size = std::snprintf(nullptr, 0, "%.*f", precision, x);
  std::vector<char> text(static_cast<std::size_t>(size) + 1);
  std::snprintf(text.data(), text.size(), "%.*f", precision, x);
  return std::strtod(text.data(), nullptr);
}

std::string
python_float_repr(double x)
{
  if (std::isnan(x)) {
    return "nan";
  }
  if (std::isinf(x)) {
    return x > 0 ? "inf" : "-inf";
  }
  // Shortest round-trip digits, as d.ddde[+-]XX.
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  std::string sign;
  if (!text.empty() && text.front() == '-') {
    sign = "-";
    text.remove_prefix(1);
  }
  const auto e_pos = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e_pos)) {
    if (c != '.') {
      digits += c;
    }
  }
  int exponent = 0;
  std::string_view exponent_text = text.substr(e_pos + 1);
  if (!exponent_text.empty() && exponent_text.front() == '+') {
    exponent_text.remove_prefix(1);
  }
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);

  // CPython's format_float_short for repr: decpt is where the decimal point
  // goes relative to the digits (value = 0.DIGITS * 10^decpt); the exponent
  // form is used when decpt <= -4 or decpt > 16.
  const int decpt = exponent + 1;
  const int n = static_cast<int>(digits.size());
  std::string out = sign;
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (n > 1) {
      out += '.';
      out += digits.substr(1);
    }
    char exp_text[16];
    std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    out += exp_text;
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= n) {
    out += digits;
    out.append(static_cast<std::size_t>(decpt - n), '0');
    out += ".0";
  } else {
    out += digits.substr(0, static_cast<std::size_t>(decpt));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(decpt));
  }
  return out;
}

std::string
python_align_left(std::string_view text, std::size_t width)
{
  const auto length = static_cast<std::size_t>(utf8_length(std::string(text)));
  std::string out(text);
  if (length < width) {
    out.append(width - length, ' ');
  }
  return out;
}

std::string
python_align_center(std::string_view text, std::size_t width)
{
  const auto length = static_cast<std::size_t>(utf8_length(std::string(text)));
  if (length >= width) {
    return std::string(text);
  }
  const std::size_t left = (width - length) / 2;
  std::string out(left, ' ');
  out += text;
  out.append(width - length - left, ' ');
  return out;
}

} // namespace reports
