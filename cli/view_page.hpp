#pragma once

namespace cli {

// evalrun view's page (cli/view/index.html, compiled in): its script, style
// and charts inline, so that it loads nothing from anywhere but the server.
extern const char* const k_view_page;

} // namespace cli
