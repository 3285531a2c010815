# cmake -DOUT=header -DJS=report.js -DCSS=report.css -P embed.cmake
# Writes the page's script and style as C++ raw string literals. Fails when a file holds the
# literal's delimiter, or "</script" / "</style" (which would end the inline element early).
function(hs_embed var path tag out_text)
  file(READ ${path} text)
  string(FIND "${text}" ")HSEMBED\"" hit)
  if(NOT hit EQUAL -1)
    message(FATAL_ERROR "${path}: holds the raw-string delimiter )HSEMBED\"")
  endif()
  string(TOLOWER "${text}" lower)
  string(FIND "${lower}" "</${tag}" hit)
  if(NOT hit EQUAL -1)
    message(FATAL_ERROR "${path}: holds \"</${tag}\", which would end the inline <${tag}>")
  endif()
  set(${out_text} "inline constexpr char ${var}[] = R\"HSEMBED(${text})HSEMBED\";\n" PARENT_SCOPE)
endfunction()

hs_embed(kReportJs ${JS} script js)
hs_embed(kReportCss ${CSS} style css)
set(content "// Generated from src/report/report.js and report.css by embed.cmake: do not edit.\n#pragma once\n\nnamespace hs::report_assets {\n\n${js}\n${css}\n}  // namespace hs::report_assets\n")
file(WRITE ${OUT} "${content}")
