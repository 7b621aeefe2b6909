# evalrun in a container image: built on Debian 12 with the project's own
# setup script, shipped as its Debian package on debian:12-slim (the final
# image holds evalrun, its data and the shared libraries it links: no
# compiler, no headers).
#
#   docker build -t evalrun .
#   docker run --rm evalrun --bench mtbench --model demo --db /tmp/demo.db
#
# docs/kubernetes/ and docs/slurm/ run it over many machines.
FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN bash scripts/setup.sh \
 && cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEVALRUN_BUILD_TESTS=OFF \
 && cmake --build /build --target evalrun \
 && cd /build && cpack -G DEB -B /packages \
 && rm -rf /packages/_CPack_Packages

FROM debian:12-slim
COPY --from=build /packages/ /tmp/packages/
COPY scripts/install_deb.sh /tmp/install_deb.sh
RUN bash /tmp/install_deb.sh /tmp/packages/evalrun_*.deb \
 && rm -rf /tmp/packages /tmp/install_deb.sh \
 && useradd --create-home --uid 10001 evalrun
USER evalrun
WORKDIR /home/evalrun
ENTRYPOINT ["evalrun"]
CMD ["--help"]
