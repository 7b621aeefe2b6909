#pragma once

#include <harness/error.hpp>

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace harness {

enum class TemplateSyntax {
  python_format, // {name}, with {{ and }} for literal braces (FastChat's str.format prompts)
  mustache,      // {{name}} or {{ name }}; single braces are literal (YAML rubrics)
};

using TemplateVars = std::map<std::string, std::string>;

// Renders `text` strictly: a variable not in `vars` is a Kind::config Error
// naming it, never an empty string; so is an unbalanced brace in
// python_format. Values are inserted verbatim (never re-expanded).
Result<std::string> render_template(std::string_view text, const TemplateVars& vars,
                                    TemplateSyntax syntax);

// The variable names `text` uses, for validating a template up front.
Result<std::set<std::string>> template_variables(std::string_view text, TemplateSyntax syntax);

} // namespace harness
